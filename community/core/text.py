"""Text people type: cleaned on the way in, rendered safely on the way out.

Cleaning: NUL characters are dropped everywhere (PostgreSQL refuses them in
text, nobody types them); `clean` trims, `one_line` folds a header-like value
(a subject, a search, a door name) onto one line, `paragraphs` keeps a body's
line breaks. Each also serves as a WTForms filter (non-text passes through).

Rendering (`render_text`), for what leads and organizers write: everything is
escaped first; only what we add ourselves is markup: blank lines separate
paragraphs, single newlines become <br>, lines that start with "- " form a list,
and http(s) links become anchors. No markdown dependency, no raw HTML from the
author ever reaches a page.
"""

import re
import unicodedata

from markupsafe import Markup, escape


def clean(value):
    """Trimmed, without NUL characters."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def one_line(value, limit: int | None = None):
    """On one line (tabs and line ends, which scanners and pasted text carry, become
    single spaces), without NUL characters, cut at `limit`."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    return " ".join(value.replace("\x00", "").split())[:limit]


def paragraphs(value):
    """A body of text: line ends made \\n, trimmed, without NUL characters."""
    return value.replace("\x00", "").replace("\r\n", "\n").strip() if isinstance(value, str) else value


# Slugs are at most 120 characters (events; groups keep to 80).
MAX_SLUG = 120


def slug_may_exist(slug: str) -> bool:
    """False for a slug no row can have: too long, or with a NUL byte (which PostgreSQL refuses)."""
    return len(slug) <= MAX_SLUG and "\x00" not in slug


def slugify(text: str, fallback: str = "") -> str:
    """'Juridique & éthique' -> 'juridique-ethique' (at most 80 characters)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:80] or fallback


# Stops at whitespace and at characters that usually close a sentence around a link.
_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
_BULLET = re.compile(r"^\s*[-*]\s+")


def _linkify(line: str) -> str:
    """Escape a line, turning its links into anchors."""
    out, last = [], 0
    for match in _LINK.finditer(line):
        out.append(str(escape(line[last : match.start()])))
        url = escape(match.group(0))
        out.append(f'<a href="{url}" rel="nofollow noopener noreferrer">{url}</a>')
        last = match.end()
    out.append(str(escape(line[last:])))
    return "".join(out)


def _block(lines: list[str]) -> str:
    """A paragraph (lines joined by <br>), with runs of "- " lines made into lists."""
    out, text, items = [], [], []
    for line in lines + [""]:
        if line and _BULLET.match(line):
            if text:
                out.append("<p>" + "<br>\n".join(text) + "</p>")
                text = []
            items.append(f"<li>{_linkify(_BULLET.sub('', line))}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line:
            text.append(_linkify(line))
    if text:
        out.append("<p>" + "<br>\n".join(text) + "</p>")
    return "\n".join(out)


def render_text(text: str | None) -> Markup:
    blocks, current = [], []
    for raw in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if line.strip():
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return Markup("\n".join(_block(lines) for lines in blocks))
