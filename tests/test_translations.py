"""Every string a user can see is in the French and English catalogs, translated."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGS = ROOT / "community" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHODS = [
    ("community/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
    ("templates/**.ics", "jinja2"),
]


def _extracted() -> set[str]:
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(str(ROOT), METHODS, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.fixture(scope="module")
def extracted():
    messages = _extracted()
    assert len(messages) > 50  # the extraction itself works
    return messages


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_string_is_translated(language, extracted):
    with open(CATALOGS / language / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(extracted - translated)
    assert missing == [], f"{len(missing)} strings untranslated in {language}: {missing[:20]}"


def test_french_is_really_french():
    with open(CATALOGS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    same = [m.id for m in catalog if m.id and isinstance(m.id, str) and m.string == m.id and len(m.id) > 25]
    # Long sentences identical in both languages mean someone copied instead of translating.
    assert same == []


TRANSLATING = {"_", "_l", "gettext", "lazy_gettext", "ngettext", "pgettext", "lazy_pgettext"}


def test_every_translated_string_is_written_in_the_call():
    """The extraction only sees a literal: `_l(message)` with `message` a variable is never translated."""
    import ast

    found = []
    for path in sorted((ROOT / "community").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in TRANSLATING and node.args:
                literal = node.args[1] if getattr(node.func, "id", "").endswith("pgettext") else node.args[0]
                if not (isinstance(literal, ast.Constant) and isinstance(literal.value, str)):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


# Words that give the reader a gender ("vous êtes inscrit", "un responsable"): the French
# catalog addresses everyone, so it says "votre inscription", "une personne responsable".
GENDERED = [
    r"\bvous (?:êtes|serez|étiez|soyez|avez été)(?: \w+)? \w+(?:é|i|it|u)e?s?\b",
    r"\bmembres? confirmés?\b",
    r"\b(?:un|le|du|au|nouveau) responsable\b",
    r"\b(?:dé)?connecté\b",
    r"\binscrits?\b",
    r"\binvités?\b",
]


def test_french_gives_nobody_a_gender():
    import re

    with open(CATALOGS / "fr" / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalog = read_po(f)
    texts = [" ".join(m.string) if isinstance(m.string, tuple) else m.string for m in catalog if m.id]
    found = [(pattern, text) for text in texts for pattern in GENDERED if re.search(pattern, text, re.IGNORECASE)]
    assert found == []
