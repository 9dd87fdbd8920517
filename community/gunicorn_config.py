"""gunicorn's settings file for `community serve` (`--config python:community.gunicorn_config`).

With --preload the app is loaded once in the master and the workers are forked from it:
loading opens no database connection, and each worker drops any pooled one all the same,
so that no two processes ever share a connection."""


def post_fork(server, worker):
    from community.core.extensions import db

    app = server.app.wsgi()
    if getattr(app, "extensions", {}).get("sqlalchemy") is not db:
        return  # another app (the benchmark's ceiling app, say): nothing pooled of ours
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)  # forget the parent's connections without closing them under it
