"""Template filters and globals shared by every page and mail."""

from flask import current_app
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.core.clock import as_utc


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


# (endpoint, label, who sees it) of the main navigation; an entry shows once its blueprint exists.
NAV = [
    ("events.index", _l("Events"), "anyone"),
    ("groups.index", _l("Working groups"), "anyone"),
    ("groups.directory", _l("Members"), "member"),
    ("admin.index", _l("Admin"), "admin"),
]


def _sees(audience: str) -> bool:
    if audience == "anyone":
        return True
    if not current_user.is_authenticated:
        return False
    return audience == "member" or current_user.is_admin


# Links on the profile page to what a member has elsewhere.
PROFILE_LINKS = [
    ("registrations.mine", _l("My registrations")),
    ("groups.mine", _l("My working groups")),
    ("members.my_data", _l("My data")),
    ("members.delete_account", _l("Delete my account")),
]


def profile_links():
    return [(endpoint, label) for endpoint, label in PROFILE_LINKS if endpoint in current_app.view_functions]


def nav_items():
    return [
        (endpoint, label)
        for endpoint, label, audience in NAV
        if endpoint in current_app.view_functions and _sees(audience)
    ]
