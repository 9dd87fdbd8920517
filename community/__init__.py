"""The community application factory."""
import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from community import config, database, errors, models, security  # noqa: F401 (models: all tables)
from community.extensions import babel, csrf, db, limiter, login_manager, mail, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    config.load(app, test_config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    register_extensions(app)
    app.url_map.converters["int"] = database.DatabaseId
    register_blueprints(app)
    register_templates(app)
    register_cli(app)
    errors.register(app)
    app.after_request(security.add_headers)
    if app.config["TRUSTED_PROXIES"]:
        # Rate limits key on the client's address, which a proxy hides; never trust X-Forwarded-Host.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=0)
    return app


def register_extensions(app: Flask) -> None:
    from community.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        database.configure(db.engine)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    mail.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    from community import pages
    from community.admin.views import bp as admin_bp
    from community.events.views import bp as events_bp
    from community.groups.views import bp as groups_bp
    from community.mail.views import bp as mail_bp
    from community.members.views import bp as members_bp
    from community.admin import audit_views, member_views, outbox_views
    from community.events import checkin_views, dashboard_views, message_views
    from community.members import data_views

    blueprints = (pages.bp, members_bp, mail_bp, groups_bp, events_bp, admin_bp)
    blueprints += (dashboard_views.bp, checkin_views.bp, message_views.bp, data_views.bp)
    blueprints += (member_views.bp, audit_views.bp, outbox_views.bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)


def register_templates(app: Flask) -> None:
    from community import templating

    templating.register(app)


def register_cli(app: Flask) -> None:
    from community import cli

    cli.register(app)
