"""The application factory: create_app() builds the Flask app (config, extensions, blueprints, CLI)."""

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from community import config, models  # noqa: F401 (models: all tables)
from community.core import database, errors, security
from community.core.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config=None) -> Flask:
    app = Flask(
        "community",
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
    from community.core.i18n import select_locale, select_timezone

    db.init_app(app)
    with app.app_context():
        database.configure(db.engine)
    database.close_sessions_whatever_happened(app)  # after init_app: it runs before Flask-SQLAlchemy's
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    """One blueprint per package, named like it."""
    from community import pages
    from community.admin import audit_views, job_views, member_views, outbox_views
    from community.admin import views as admin
    from community.checkin import views as checkin
    from community.dashboard import settings_views
    from community.dashboard import views as dashboard
    from community.events import organizer_views
    from community.events import views as events
    from community.groups import announcement_views, membership_views
    from community.groups import views as groups
    from community.members import account_views, data_views
    from community.members import views as members
    from community.messages import views as messages
    from community.paper import views as paper
    from community.questions import answer_views
    from community.questions import views as questions
    from community.registrations import guest_views
    from community.registrations import views as registrations
    from community.tickets import code_views
    from community.tickets import views as tickets

    # Several modules may serve one blueprint (a package's pages, split by audience).
    view_modules = (pages, members, account_views, data_views, groups, membership_views, announcement_views, events)
    view_modules += (organizer_views, registrations, dashboard, checkin, messages, admin, member_views, audit_views)
    view_modules += (outbox_views, job_views, tickets, code_views, questions, answer_views, guest_views, paper)
    view_modules += (settings_views,)
    for blueprint in dict.fromkeys(module.bp for module in view_modules):
        app.register_blueprint(blueprint)


def register_templates(app: Flask) -> None:
    from community.core import templating
    from community.questions import sensitive

    templating.register(app)
    # Beside a sensitive question on a registration form: how long its answer is kept.
    app.jinja_env.globals["how_long_kept"] = sensitive.how_long_kept


def register_cli(app: Flask) -> None:
    from community import cli

    cli.register(app)
