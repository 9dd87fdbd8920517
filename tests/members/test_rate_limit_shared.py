"""With Redis as rate-limit storage, every app process counts the same attempts."""

import os
import uuid

import pytest

from community import create_app
from community.core.extensions import db
from tests.conftest import make_config, post_form, redis_up

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.mark.skipif(not redis_up() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379")
def test_two_app_processes_share_the_login_limit_through_redis(app, database_url, smtp_server):
    # Two apps stand for two gunicorn workers; a fresh key prefix isolates this run.
    prefix = f"test-{uuid.uuid4().hex}"
    config = make_config(
        database_url, smtp_server.port, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=REDIS, RATELIMIT_KEY_PREFIX=prefix
    )
    workers = [create_app(config), create_app(config)]
    for worker in workers:
        worker.test_client_class = app.test_client_class
    clients = [worker.test_client() for worker in workers]
    import redis

    store = redis.Redis.from_url(REDIS)
    before = set(store.keys("*"))
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
    counted = set(store.keys("*")) - before
    assert counted
    store.delete(*counted)
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()
