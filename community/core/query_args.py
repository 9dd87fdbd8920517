"""Read from a query string: numbers kept within what the databases can take, and the
filters the links to a list's other pages keep."""

from flask import request

from community.core.database import MAX_ID

# Beyond any real list; a larger page would overflow the databases' OFFSET.
MAX_PAGE = 100_000


def page_arg(name: str = "page") -> int:
    """The page number asked for; missing, garbled or absurd means the first."""
    page = request.args.get(name, 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1


def id_arg(name: str) -> int | None:
    """An id named in the query string: None when absent; ValueError when it is not a
    number the id columns could hold (the page says so instead of finding nothing)."""
    text = request.args.get(name, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise ValueError(name)
    return int(text)


def args_but_page() -> dict:
    """The query string without the page number and the empty fields: what the links to
    the other pages of a filtered list keep."""
    return {key: value for key, value in request.args.items() if key != "page" and value}
