"""Numbers read from a query string, kept within what the databases can take."""

from flask import request

# Beyond any real list; a larger page would overflow the databases' OFFSET.
MAX_PAGE = 100_000


def page_arg(name: str = "page") -> int:
    """The page number asked for; missing, garbled or absurd means the first."""
    page = request.args.get(name, 1, type=int)
    return page if 1 <= page <= MAX_PAGE else 1
