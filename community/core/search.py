"""Text search that ignores case and accents, the same way in Python, SQLite and
PostgreSQL: "elodie" finds "Élodie", "oeuvre" finds "Œuvre".

SQLite's lower() knows only ASCII, so on SQLite `folded` calls a Python function
registered on every connection (database.configure); PostgreSQL gets translate()
and a few replace() (unaccent is an extension we do not require)."""

from sqlalchemy import func

from community.core.extensions import db

# Both cases are listed: some databases' lower() knows only ASCII.
_SINGLE = {
    "a": "àáâãäåāąÀÁÂÃÄÅĀĄ",
    "c": "çćčÇĆČ",
    "d": "ďđĎĐ",
    "e": "èéêëēęěÈÉÊËĒĘĚ",
    "g": "ğĞ",
    "i": "ìíîïīıÌÍÎÏĪİ",
    "l": "łŁ",
    "n": "ñńňÑŃŇ",
    "o": "òóôõöøōÒÓÔÕÖØŌ",
    "r": "řŘ",
    "s": "śšşŚŠŞ",
    "t": "ťţŤŢ",
    "u": "ùúûüůūÙÚÛÜŮŪ",
    "y": "ýÿÝŸ",
    "z": "źżžŹŻŽ",
}
_FROM = "".join(_SINGLE.values())
_TO = "".join(plain * len(accented) for plain, accented in _SINGLE.items())
_MULTI = (("ß", "ss"), ("œ", "oe"), ("Œ", "oe"), ("æ", "ae"), ("Æ", "ae"))
_TABLE = str.maketrans(_FROM, _TO)
SQLITE_FUNCTION = "community_fold"


def fold(text: str) -> str:
    """Lower case without accents: what search terms and columns are compared as."""
    folded = text.lower().translate(_TABLE)
    for accented, plain in _MULTI:
        folded = folded.replace(accented, plain)
    return folded


def sqlite_fold(value):
    """fold() as an SQLite function (NULL stays NULL)."""
    return fold(value) if isinstance(value, str) else value


def folded(column):
    """The SQL twin of fold()."""
    if db.session.get_bind().dialect.name == "sqlite":
        return getattr(func, SQLITE_FUNCTION)(column)
    expression = func.translate(func.lower(column), _FROM, _TO)
    for accented, plain in _MULTI:
        expression = func.replace(expression, accented, plain)
    return expression


def alphabetical(column):
    """An ORDER BY key in dictionary order: Élodie among the e's, not after Zoé (lower()
    alone sorts accented letters after z on SQLite and on PostgreSQL's C collation)."""
    return folded(column)


def like_pattern(text: str) -> str:
    """`%text%` with LIKE's wildcards escaped (use with escape="\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, text: str):
    """column contains text, case and accents ignored (NUL characters, which
    PostgreSQL refuses in text, are dropped)."""
    return folded(column).like(like_pattern(fold(text.replace("\x00", ""))), escape="\\")
