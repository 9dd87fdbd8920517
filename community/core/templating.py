"""Template filters and globals shared by every page and mail."""

from babel.dates import format_date, format_time
from flask import current_app
from flask_babel import get_locale, get_timezone
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.core.clock import as_utc
from community.core.i18n import formatting_locale


def localdatetime(moment, style: str = "medium") -> str:
    """A UTC moment in the community's zone and the reader's language, written one way on
    every page: the day in `style` ("short" spells the month too), then the hour without
    seconds: "1 déc. 2026, 16:37", "1 Dec 2026, 16:37"."""
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(get_timezone())
    locale = formatting_locale()
    day = format_date(local.date(), "medium" if style == "short" else style, locale=locale)
    return f"{day}, {format_time(local, 'short', locale=locale)}"


def localdate(moment, style: str = "medium") -> str:
    """The day of a UTC moment in the community's zone, as the reader's language writes it."""
    if moment is None:
        return ""
    return format_date(as_utc(moment).astimezone(get_timezone()).date(), style, locale=formatting_locale())


def machine_time(moment) -> str:
    """A moment for <time datetime>: UTC, to the second, with its Z (a value with no zone is
    read as local time, and HTML allows at most three digits of a second)."""
    return as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else ""


def initials(name: str) -> str:
    """'Camille de La Tour-Ørsted' -> 'CD': what a phone's header shows for a member."""
    return "".join(word[0] for word in (name or "").split()[:2]).upper() or "?"


def register(app) -> None:
    app.jinja_env.filters["localdatetime"] = localdatetime
    app.jinja_env.filters["initials"] = initials
    app.jinja_env.filters["machine_time"] = machine_time
    # In place of Flask-Babel's own filter, which writes English dates the American way.
    app.jinja_env.filters["dateformat"] = localdate
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
