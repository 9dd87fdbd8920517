"""Exports read back: the CSV and the XLSX hold what the database holds, every cell
is inert in a spreadsheet, accents survive, and the cost does not grow with the rows."""

import io
from collections import Counter
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import select

from community.admin import exports, spreadsheets
from community.checkin.models import CheckIn
from community.core.clock import to_local
from community.core.extensions import db
from community.members.models import Member
from community.registrations.models import Registration
from tests.admin.conftest import INJECTIONS, add_group, join, register
from tests.conftest import login
from tests.querycount import count_queries
from tests.spreadsheets import (
    ATTENDEE_COLUMNS,
    OFFICE,
    formulas,
    libreoffice_cells,
    needs_libreoffice,
    read_csv,
    read_xlsx,
    texts,
    value_type,
)

CHECKED_IN_AT = datetime(2026, 6, 4, 7, 12, tzinfo=UTC)  # 09:12 in Paris (summer time)


def as_text(rows) -> list[list[str]]:
    """An XLSX's rows as the CSV writes them: moments as text."""
    return [[cell.strftime("%Y-%m-%d %H:%M") if isinstance(cell, datetime) else cell for cell in row] for row in rows]


def in_xml_cell(value: str | None) -> str:
    """XML reads a carriage return in a cell back as a line feed (XML end-of-line handling)."""
    return (value or "").replace("\r", "\n")


def inert(value: str) -> str:
    """What a cell must hold: the value itself, behind a quote if a spreadsheet would run it."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def when(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def moment(moment):
    """A moment as an XLSX date cell holds it: local time, to the minute, no zone."""
    return to_local(moment).replace(tzinfo=None, second=0, microsecond=0) if moment else ""


STATUS_EN = {"confirmed": "Confirmed", "held": "Seat held", "waiting": "Waiting list", "cancelled": "Cancelled"}


def expected_attendees(event, statuses=(), xlsx=False) -> list[list]:
    """The rows, read straight from the models (in the XLSX: text as it is, moments as dates)."""
    shown, at = (in_xml_cell, moment) if xlsx else (inert, when)
    query = (
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.created_at, Registration.id)
    )
    if statuses:
        query = query.where(Registration.status.in_(statuses))
    rows = []
    for r in db.session.scalars(query):
        organization = r.member.organization if r.member else r.guest_organization
        groups = ", ".join(sorted((m.group.name for m in memberships(r.member)), key=str.casefold)) if r.member else ""
        checked_in_at = db.session.scalar(
            select(CheckIn.checked_in_at).where(CheckIn.registration_id == r.id, CheckIn.undone_at.is_(None))
        )
        texts = [shown(v) for v in (r.name, r.email, organization, STATUS_EN[r.status], r.category.name_en)]
        rows.append([*texts, at(r.created_at), at(checked_in_at), shown(groups)])  # organizers read English here
    return rows


def memberships(member):
    from community.groups.models import GroupMembership

    return db.session.scalars(
        select(GroupMembership).where(GroupMembership.member_id == member.id, GroupMembership.status == "active")
    )


@pytest.fixture
def crowd(event, make_member):
    """Registrations whose text a spreadsheet would run, with accents, guests and every status."""
    straße = add_group("Straße & Données", "strasse")
    llm = add_group("=LLM", "llm")
    add_group("Pending only", "pending")
    elodie = make_member("elodie@example.org", name="Élodie Müller", organization="+1 Straße GmbH")
    sneaky = make_member("sneaky@example.org", name=INJECTIONS[0], organization="-2+3")
    join(straße, elodie)
    join(llm, elodie)
    join(llm, sneaky, status="pending")
    elodie_seat = register(event, member=elodie, minutes_ago=50)
    # Checked in at 09:12 Paris time, after a check-in undone at the wrong gate (history, not exported).
    db.session.add_all(
        [
            CheckIn(
                registration_id=elodie_seat.id,
                event_id=event.id,
                checked_in_at=CHECKED_IN_AT.replace(minute=2),
                undone_at=CHECKED_IN_AT.replace(minute=3),
            ),
            CheckIn(registration_id=elodie_seat.id, event_id=event.id, checked_in_at=CHECKED_IN_AT),
        ]
    )
    db.session.commit()
    register(event, member=sneaky, status="waiting", minutes_ago=40)
    register(
        event,
        guest_name="@SUM(1)",
        guest_email="guest@example.org",
        guest_organization="\tTabbed",
        status="held",
        minutes_ago=30,
    )
    register(
        event,
        guest_name="\rReturned",
        guest_email="=cmd@example.org",
        guest_organization="ßü",
        status="cancelled",
        minutes_ago=20,
    )
    return event


def download(client, who, path) -> bytes:
    if who is not None:  # None: already logged in
        login(client, who)
    response = client.get(path, buffered=True)  # read the stream inside the request's own context
    assert response.status_code == 200, response.status_code
    return response.data


def test_attendee_csv_reads_back_as_the_database_holds_it(client, people, crowd):
    data = download(client, people.organizer, f"/admin/events/{crowd.slug}/attendees.csv")
    header, *rows = read_csv(data)
    assert header == ATTENDEE_COLUMNS
    assert rows == expected_attendees(crowd)
    assert ["Élodie Müller", "elodie@example.org", "'+1 Straße GmbH", "Confirmed"] == rows[0][:4]
    # The check-in that stands, in Europe/Paris time; empty for the others.
    assert [row[6] for row in rows] == ["2026-06-04 09:12", "", "", ""]
    # Only active memberships of groups, in alphabetical order, the formula-like name made inert.
    assert rows[0][7] == "'=LLM, Straße & Données"
    assert rows[1][7] == ""


def test_comma_csv_on_request(client, people, crowd):
    data = download(client, people.admin, f"/admin/events/{crowd.slug}/attendees.csv?sep=comma")
    assert b";" not in data.split(b"\r\n")[0]
    assert read_csv(data, delimiter=",")[1:] == expected_attendees(crowd)


def test_attendee_xlsx_reads_back_as_the_database_holds_it(client, people, crowd):
    data = download(client, people.organizer, f"/admin/events/{crowd.slug}/attendees.xlsx")
    header, *rows = read_xlsx(data)
    assert header[0] == "Name"
    assert rows == expected_attendees(crowd, xlsx=True)
    # Text as typed (a text cell is never a formula, so no quote), moments as date cells.
    assert rows[0][2] == "+1 Straße GmbH" and rows[0][7] == "=LLM, Straße & Données"
    assert rows[0][6] == datetime(2026, 6, 4, 9, 12)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["G2"].number_format == "yyyy-mm-dd hh:mm"
    # The header stays in view and filters; the columns are wide enough to read.
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:H{len(rows) + 1}"
    assert sheet.column_dimensions["B"].width >= 30


def test_statuses_and_roles_are_written_in_the_readers_language(app, client, people, crowd):
    people.organizer.language = people.admin.language = "fr"
    db.session.commit()
    header, *rows = read_csv(download(client, people.organizer, f"/admin/events/{crowd.slug}/attendees.csv"))
    assert header[3] == "Statut"
    assert [row[3] for row in rows] == ["Confirmée", "Liste d'attente", "Place réservée", "Annulée"]
    admin = app.test_client()
    header, *rows = read_xlsx(download(admin, people.admin, "/admin/members.xlsx"))
    assert header[3] == "Rôle" and {row[3] for row in rows} == {"Administrateur", "Organisateur", "Membre"}
    header, *rows = read_csv(download(admin, None, "/admin/groups/llm/members.csv"))
    assert [(row[3], row[4]) for row in rows] == [("Membre", "Acceptée"), ("Membre", "Demande en attente")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_formula_comes_back_inert(client, people, crowd, fmt):
    data = download(client, people.admin, f"/admin/events/{crowd.slug}/attendees.{fmt}")
    if fmt == "csv":
        cells = [cell for row in read_csv(data) for cell in row]
        for injection in INJECTIONS + ["=cmd@example.org", "=LLM, Straße & Données"]:
            assert any(cell.startswith("'" + injection) for cell in cells), injection
            assert not any(cell.startswith(injection) for cell in cells), injection
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    else:  # read_xlsx found text cells only, never a formula: the text stays as typed
        cells = [cell for row in read_xlsx(data) for cell in row if isinstance(cell, str)]
        for injection in INJECTIONS + ["=cmd@example.org", "=LLM, Straße & Données"]:
            assert any(cell.startswith(in_xml_cell(injection)) for cell in cells), injection
        assert not [cell for cell in cells if cell.startswith("'")]


def test_status_filter_keeps_only_the_chosen_statuses(client, people, crowd):
    data = download(client, people.organizer, f"/admin/events/{crowd.slug}/attendees.csv?status=confirmed&status=held")
    rows = read_csv(data)[1:]
    assert [row[3] for row in rows] == ["Confirmed", "Seat held"]
    assert rows == expected_attendees(crowd, ("confirmed", "held"))
    assert client.get(f"/admin/events/{crowd.slug}/attendees.csv?status=bogus").status_code == 400


def test_member_export_lists_every_account(client, people, crowd):
    data = download(client, people.admin, "/admin/members.xlsx")
    rows = read_xlsx(data)[1:]
    members = db.session.scalars(select(Member).order_by(Member.created_at, Member.id)).all()
    assert [row[1] for row in rows] == [m.email for m in members]
    elodie = next(row for row in rows if row[1] == "elodie@example.org")
    assert elodie == [
        "Élodie Müller",
        "elodie@example.org",
        "+1 Straße GmbH",
        "Member",
        moment(db.session.scalar(select(Member.confirmed_at).where(Member.email == "elodie@example.org"))),
        elodie[5],
        "=LLM, Straße & Données",
    ]
    assert isinstance(elodie[5], datetime)
    in_csv = read_csv(download(client, None, "/admin/members.csv"))[1:]
    assert [[cell.lstrip("'") for cell in row] for row in in_csv] == as_text(rows)


def test_group_member_export_lists_pending_and_active_members(client, people, crowd):
    rows = read_csv(download(client, people.admin, "/admin/groups/llm/members.csv"))[1:]
    assert [(row[0], row[3], row[4]) for row in rows] == [
        ("Élodie Müller", "Member", "Accepted"),
        (inert(INJECTIONS[0]), "Member", "Asked to join"),
    ]
    in_xlsx = as_text(read_xlsx(download(client, None, "/admin/groups/llm/members.xlsx"))[1:])
    assert in_xlsx == [[cell.removeprefix("'") for cell in row] for row in rows]


def test_spreadsheet_safe_leaves_ordinary_text_alone():
    assert spreadsheets.spreadsheet_safe("Ada Lovelace") == "Ada Lovelace"
    assert spreadsheets.spreadsheet_safe("a=b") == "a=b"
    assert spreadsheets.spreadsheet_safe(None) == ""
    assert spreadsheets.spreadsheet_safe("-1") == "'-1"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_runs_the_same_number_of_queries_for_10_and_200_rows(
    app, client, people, event, bulk_registrations, monkeypatch, fmt
):
    monkeypatch.setattr(exports, "BATCH", 50)  # 200 rows span several batches
    groups = (add_group("Alpha", "alpha"), add_group("Beta", "beta"))
    login(client, people.organizer)
    counts = {}
    for target in (10, 200):
        db.session.execute(Registration.__table__.delete())
        db.session.execute(Member.__table__.delete().where(Member.email.like("bulk%")))
        db.session.commit()
        bulk_registrations(event, target, groups)
        # Every other person is checked in: the column costs no query per row.
        registration_ids = db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)).all()
        db.session.add_all(
            [
                CheckIn(registration_id=rid, event_id=event.id, checked_in_at=CHECKED_IN_AT)
                for rid in registration_ids[::2]
            ]
        )
        db.session.commit()
        with count_queries(db.engine) as statements:
            response = client.get(f"/admin/events/{event.slug}/attendees.{fmt}", buffered=True)
            body = response.data
        rows = read_csv(body) if fmt == "csv" else as_text(read_xlsx(body))
        assert len(rows) == target + 1
        assert rows[-1][7] == "Alpha, Beta"
        assert sum(1 for row in rows[1:] if row[6] == "2026-06-04 09:12") == target // 2
        counts[target] = len(statements)
    # 9: the categories are read once, for their names; the event's questions (none here) once
    # before the commit, to record which answers the file carries, and once after it, to write them.
    assert counts[10] == counts[200] <= 9, counts


@needs_libreoffice
def test_libreoffice_opens_the_xlsx_with_no_formula_and_dates_as_dates(client, people, crowd, tmp_path):
    cells = libreoffice_cells(
        download(client, people.organizer, f"/admin/events/{crowd.slug}/attendees.xlsx"), tmp_path
    )
    assert not formulas(cells)
    kinds = Counter(value_type(cell) for cell in cells if value_type(cell))
    assert set(kinds) == {"string", "date"} and kinds["date"] == 5  # four registered at, one checked in
    dates = {cell.get(f"{OFFICE}date-value") for cell in cells if value_type(cell) == "date"}
    assert "2026-06-04T09:12:00" in dates  # the check-in, in Paris time
    assert {'=HYPERLINK("http://x","y")', "+1 Straße GmbH", "@SUM(1)", "=cmd@example.org"} <= texts(cells)
