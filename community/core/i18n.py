"""Language and time zone choice for each request."""

from flask import current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

# The conventions dates and times are written in, per language: English as Europe reads it
# (1 Dec 2026, 16:37), not as the United States do (Dec 1, 2026, 4:37 PM).
FORMAT_LOCALES = {"en": "en_GB"}


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a command, the mail worker: the community's language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def supported_language(code: str | None) -> str:
    """`code` when the site speaks it, else the default language."""
    return code if code in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def formatting_locale() -> str:
    """The locale dates and times are formatted in, for the reader's language."""
    language = str(get_locale())
    return FORMAT_LOCALES.get(language, language)


def in_reader_language(french: str, english: str) -> str:
    """Text an organizer wrote in both languages, in the reader's, or in the other one when
    that was left empty."""
    if str(get_locale() or "fr").startswith("en"):
        return english or french
    return french or english
