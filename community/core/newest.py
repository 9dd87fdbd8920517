"""The latest rows of a table, newest first: the pages that show "the last ten" of something."""

from sqlalchemy import select

from community.core.extensions import db


def newest_first(model) -> tuple:
    """ORDER BY the rows' creation, newest first; the id breaks ties within a second."""
    return model.created_at.desc(), model.id.desc()


def latest(model, *criteria, limit: int, options=()) -> list:
    """The `limit` newest rows of `model` that meet `criteria`, loaded with `options` (one query)."""
    return list(
        db.session.scalars(select(model).options(*options).where(*criteria).order_by(*newest_first(model)).limit(limit))
    )
