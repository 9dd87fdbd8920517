"""With Redis as rate-limit storage, every app process counts the same attempts."""

from tests.conftest import needs_redis, post_form


@needs_redis
def test_two_app_processes_share_the_login_limit_through_redis(apps_sharing_redis):
    clients = apps_sharing_redis()
    statuses = []
    for attempt in range(12):
        client = clients[attempt % 2]
        response = post_form(
            client,
            "/members/login",
            {"email": "nobody@example.org", "password": "wrong password"},
            token_from="/members/login",
        )
        statuses.append(response.status_code)
    # 10 per minute in all: each worker alone saw only 6 attempts.
    assert statuses[:10] == [200] * 10
    assert statuses[10:] == [429, 429]
    # The counts really live in Redis, where every process sees them. (The limiter is
    # one object per process, so its key prefix may be the one of an earlier test app.)
    assert apps_sharing_redis.written()
