"""Reading the audit log: filtered pages of entries, and rows people can read.

Entries hold ids only; names are looked up in bulk for a whole page (one query
per kind of object at most), so a page costs the same whatever its size, and an
object deleted since shows as "deleted"."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from community.admin import audit_words as words
from community.core import audit
from community.core.audit import AuditEntry
from community.core.clock import from_local
from community.core.extensions import db
from community.core.newest import latest, newest_first
from community.core.search import contains
from community.events.models import Event
from community.groups.models import WorkingGroup
from community.members.models import Member

PER_PAGE = 50


@dataclass
class Filters:
    action: str = ""
    actor: str = ""
    object_type: str = ""
    event_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return from_local(datetime.combine(day, time()))


def matching(filters: Filters):
    query = select(AuditEntry)
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.event_id is not None:
        query = query.where(
            or_(
                AuditEntry.event_id == filters.event_id,
                (AuditEntry.object_type == "event") & (AuditEntry.object_id == filters.event_id),
            )
        )
    if filters.actor.strip():
        actor = filters.actor.strip()
        actors = select(Member.id).where(or_(contains(Member.email, actor), contains(Member.display_name, actor)))
        query = query.where(AuditEntry.actor_id.in_(actors))
    if filters.date_from is not None:
        query = query.where(AuditEntry.created_at >= _day_start(filters.date_from))
    if filters.date_to is not None:
        query = query.where(AuditEntry.created_at < _day_start(filters.date_to + timedelta(days=1)))
    return query


def search(filters: Filters, page: int = 1, per_page: int = PER_PAGE):
    """Newest first: (pagination, readable rows of the page)."""
    query = matching(filters).order_by(*newest_first(AuditEntry))
    pagination = db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)
    return pagination, describe(pagination.items)


def about_member(member_id: int, limit: int = 20) -> list["Row"]:
    """The latest entries whose object is this member, for their admin page."""
    return describe(
        latest(AuditEntry, AuditEntry.object_type == "member", AuditEntry.object_id == member_id, limit=limit)
    )


# ------------------------------------------------------------------ rows


@dataclass
class Ref:
    """Something an entry names: a label, maybe a link, or "deleted"."""

    kind: str = ""
    name: str = ""
    url: str | None = None
    deleted: bool = False


@dataclass
class Row:
    entry: AuditEntry
    label: str
    actor: Ref | None
    object: Ref | None
    event: Ref | None
    changes: list[str] = field(default_factory=list)


@dataclass
class _Names:
    members: dict[int, tuple[str, str]]
    events: dict[int, tuple[str, str]]
    groups: dict[int, tuple[str, str]]
    existing: dict[str, set[int]]


def _ids(entries, object_type: str) -> set[int]:
    return {e.object_id for e in entries if e.object_type == object_type and e.object_id is not None}


def _lookup(entries) -> _Names:
    member_ids = _ids(entries, "member") | {e.actor_id for e in entries if e.actor_id is not None}
    member_ids |= {
        e.changes.get(key) for e in entries for key in words.MEMBER_KEYS if isinstance((e.changes or {}).get(key), int)
    }
    event_ids = _ids(entries, "event") | {e.event_id for e in entries if e.event_id is not None}
    group_ids = _ids(entries, "working_group")
    names = _Names(
        members=_fetch(Member, member_ids, Member.display_name, Member.email),
        events=_fetch(Event, event_ids, Event.title, Event.slug),
        groups=_fetch(WorkingGroup, group_ids, WorkingGroup.name, WorkingGroup.slug),
        existing={},
    )
    for object_type in {e.object_type for e in entries} & words.OBJECT_TYPES.keys() - {
        "member",
        "event",
        "working_group",
    }:
        table = db.metadata.tables[object_type]
        names.existing[object_type] = set(
            db.session.scalars(select(table.c.id).where(table.c.id.in_(_ids(entries, object_type))))
        )
    return names


def _fetch(model, ids: set[int], *columns) -> dict[int, tuple]:
    if not ids:
        return {}
    return {row[0]: tuple(row[1:]) for row in db.session.execute(select(model.id, *columns).where(model.id.in_(ids)))}


def _member_ref(names: _Names, member_id: int | None) -> Ref | None:
    if member_id is None:
        return None
    found = names.members.get(member_id)
    if found is None:
        return Ref(kind=str(words.OBJECT_TYPES["member"]), name=_("deleted"), deleted=True)
    return Ref(
        kind=str(words.OBJECT_TYPES["member"]), name=found[0], url=url_for("admin.member_detail", member_id=member_id)
    )


def _event_ref(names: _Names, event_id: int | None) -> Ref | None:
    if event_id is None:
        return None
    found = names.events.get(event_id)
    if found is None:
        return Ref(kind=str(words.OBJECT_TYPES["event"]), name=_("deleted"), deleted=True)
    return Ref(kind=str(words.OBJECT_TYPES["event"]), name=found[0], url=url_for("events.detail", slug=found[1]))


def _object_ref(names: _Names, entry: AuditEntry) -> Ref | None:
    kind, object_id = entry.object_type, entry.object_id
    if not kind or object_id is None:
        return None
    if kind == "member":
        return _member_ref(names, object_id)
    if kind == "event":
        return _event_ref(names, object_id)
    label = str(words.OBJECT_TYPES.get(kind, kind))
    if kind == "working_group":
        found = names.groups.get(object_id)
        if found is None:
            return Ref(kind=label, name=_("deleted"), deleted=True)
        return Ref(kind=label, name=found[0], url=url_for("groups.detail", slug=found[1]))
    exists = object_id in names.existing.get(kind, set())
    return Ref(kind=label, name=f"#{object_id}" if exists else _("deleted"), deleted=not exists)


def readable_changes(changes: dict, names: _Names) -> list[str]:
    """{"capacity": [450, 460]} -> "capacity: 450 → 460"; facts -> "format: csv"."""
    lines = []
    for key, value in sorted((changes or {}).items()):
        if key in words.MEMBER_KEYS and isinstance(value, int):
            what, shown = _("member"), _member_ref(names, value).name
        elif key == "purpose" and isinstance(value, str):
            what, shown = words.key(key), words.purpose(value)
        elif isinstance(value, list) and len(value) == 2:
            what, shown = words.key(key), f"{words.value(value[0])} → {words.value(value[1])}"
        else:
            what, shown = words.key(key), words.value(value)
        lines.append(_("%(what)s: %(value)s", what=what, value=shown))
    return lines


def describe(entries) -> list[Row]:
    names = _lookup(entries)
    rows = []
    for entry in entries:
        # The event is shown apart only when it is not already the object.
        event = _event_ref(names, entry.event_id) if entry.object_type != "event" else None
        rows.append(
            Row(
                entry=entry,
                label=audit.label(entry.action),
                actor=_member_ref(names, entry.actor_id),
                object=_object_ref(names, entry),
                event=event,
                changes=readable_changes(entry.changes, names),
            )
        )
    return rows
