"""Template filters and globals shared by every page and mail."""
from flask import current_app
from flask_babel import format_datetime, get_locale, lazy_gettext as _l

from community.clock import as_utc


def localdatetime(moment, style: str = "medium") -> str:
    """A UTC moment shown in the community's zone and the reader's language."""
    if moment is None:
        return ""
    return format_datetime(as_utc(moment), style)


def register(app) -> None:
    app.jinja_env.filters["localdatetime"] = localdatetime
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["profile_links"] = profile_links
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale())

    @app.context_processor
    def community_globals():
        return {"community_name": app.config["COMMUNITY_NAME"], "languages": app.config["LANGUAGES"]}


# (endpoint, label) of the main navigation; an entry shows once its blueprint exists.
NAV = [
    ("events.index", _l("Events")),
    ("groups.index", _l("Working groups")),
    ("groups.directory", _l("Members")),
    ("admin.index", _l("Admin")),
]


# Links on the profile page to what a member has elsewhere.
PROFILE_LINKS = [
    ("events.mine", _l("My registrations")),
    ("groups.mine", _l("My working groups")),
]


def profile_links():
    return [(endpoint, label) for endpoint, label in PROFILE_LINKS if endpoint in current_app.view_functions]


def nav_items():
    return [(endpoint, label) for endpoint, label in NAV if endpoint in current_app.view_functions]
