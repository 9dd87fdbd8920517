"""gunicorn's settings file for `community serve` (`--config python:community.gunicorn_config`).

Forwarded headers: gunicorn trusts them from nobody. The app alone decides, with
TRUSTED_PROXIES (werkzeug's ProxyFix in factory.py, X-Forwarded-For and -Proto from that
many proxies); gunicorn's default trusted X-Forwarded-Proto from 127.0.0.1 whatever
TRUSTED_PROXIES said, so that with TRUSTED_PROXIES=0 anything on the machine could make
a request look like HTTPS.

With --preload the app is loaded once in the master and the workers are forked from it:
loading opens no database connection, and each worker drops any pooled one all the same,
so that no two processes ever share a connection."""

forwarded_allow_ips = ""


def when_ready(server):
    """Warn when several processes would each count the rate limits in their own memory."""
    from community import config, production

    problem = production.per_process_limits_problem(config.standalone(), server.cfg.workers)
    if problem:
        server.log.warning("%s", problem)


def post_fork(server, worker):
    from community.core.extensions import db

    if not server.cfg.preload_app:
        return  # each worker loads the app after forking: nothing was pooled before
    app = server.app.wsgi()
    if getattr(app, "extensions", {}).get("sqlalchemy") is not db:
        return  # another app (the benchmark's ceiling app, say): nothing pooled of ours
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # forget the parent's connections without closing them under it
