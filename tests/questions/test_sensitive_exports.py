"""The answers in the exports: a column per question, every cell inert whatever was typed,
the presets chosen by purpose (the venue's security list, catering, the full list) with
a first line saying what each is for and when it was made, each download recorded with
its purpose, and a constant number of queries whatever the number of registrations."""

import io

import openpyxl
import pytest
from sqlalchemy import delete, select

from community.admin import exports
from community.core.audit import AuditEntry
from community.core.extensions import db
from community.members.models import Member
from community.questions.models import Answer
from community.registrations.models import Registration
from tests import spreadsheets as sheets
from tests.conftest import login
from tests.querycount import count_queries
from tests.questions.care_setup import HEALTH, ID_NUMBER, INJECTIONS, add_event, bulk_answered, seat

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def table(rows: list[list], first_heading: str) -> tuple[list, list[list]]:
    """The header row (the first after the heading rows) and the rows under it."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == first_heading)
    return rows[start], rows[start + 1 :]


def download(client, path) -> bytes:
    response = client.get(path, buffered=True)
    assert response.status_code == 200, (path, response.status_code)
    return response.data


@pytest.fixture
def organizer(client, care):
    login(client, care.people["organizer"])  # reads English
    return client


EXPORT = "/admin/events/atelier/export?preset="


@pytest.mark.parametrize(
    "path",
    ["/admin/events/atelier/attendees.csv", f"{EXPORT}full&format=csv", f"{EXPORT}security&format=csv&identity=ID"],
)
def test_every_csv_cell_stays_inert_with_answers_in_it(organizer, care, path):
    cells = [
        cell
        for row in sheets.read_csv(download(organizer, path.replace("ID", str(care.q.identity.id))))
        for cell in row
    ]
    assert not [cell for cell in cells if cell.startswith(FORMULA_START)]
    wanted = ["+1", "-2+3"] if "security" in path else INJECTIONS[:4] + ["=1+1", "-T-shirt size"]
    for typed in wanted:  # answers, a choice's label and a question's label as organizers typed them
        assert any(cell.startswith("'" + typed) for cell in cells), typed


@pytest.mark.parametrize(
    "path",
    ["/admin/events/atelier/attendees.xlsx", f"{EXPORT}full&format=xlsx", f"{EXPORT}security&format=xlsx&identity=ID"],
)
def test_every_xlsx_cell_holds_the_answer_as_typed_and_never_a_formula(organizer, care, path):
    data = download(organizer, path.replace("ID", str(care.q.identity.id)))
    cells = [cell for row in sheets.read_xlsx(data) for cell in row if isinstance(cell, str)]
    wanted = ["+1", "-2+3"] if "security" in path else INJECTIONS[:4] + ["=1+1", "-T-shirt size"]
    for typed in wanted:
        assert typed in cells, typed
    assert not [cell for cell in cells if cell.startswith("'")]


def test_a_tab_or_a_carriage_return_at_the_start_of_an_answer_stays_inert(organizer, care):
    from community.questions import answers

    answers.save(care.seats["Martin"], {care.q.health.id: INJECTIONS[4], care.q.companions.id: INJECTIONS[5]})
    db.session.commit()
    cells = [cell for row in sheets.read_csv(download(organizer, f"{EXPORT}full&format=csv")) for cell in row]
    assert "'\tTabbed" in cells and "'\rReturned" in cells
    cells = [cell for row in sheets.read_xlsx(download(organizer, f"{EXPORT}full&format=xlsx")) for cell in row]
    assert "\tTabbed" in cells and "\nReturned" in cells  # XML reads a carriage return back as a line feed


def test_the_full_list_has_a_column_per_question_in_the_readers_language(organizer, care):
    rows = sheets.read_csv(download(organizer, f"{EXPORT}full&format=csv"))
    header, body = table(rows, "Name")
    assert header[:8] == sheets.ATTENDEE_COLUMNS
    assert header[8:] == [
        "Last name (identity document)",
        "First name (identity document)",
        "Organization",
        "Diet",
        "Accessibility",
        "Health",
        "Identity document number",
        "Date of birth",
        "'-T-shirt size",
        "Giving a talk?",
        "Companions",
        "Old question (no longer asked)",
    ]
    zoe = next(row for row in body if row[1] == "zoe@example.org")
    assert zoe[8:] == [
        "Éluard",
        "Zoé",
        "'+1",
        "Vegetarian",
        "Wheelchair, Hearing loop",
        HEALTH,
        ID_NUMBER,
        "1990-04-01",
        "'=1+1",
        "Yes",
        "2",
        "'" + INJECTIONS[0],
    ]


def test_each_file_says_what_it_is_for_and_when_it_was_made(organizer, care):
    for preset, name, stem in (
        ("security", "Venue security list", "venue-security-list"),
        ("catering", "Catering", "catering"),
        ("full", "Full attendee list", "full-attendee-list"),
    ):
        response = organizer.get(f"{EXPORT}{preset}&format=csv", buffered=True)
        assert f'filename="{stem}-atelier-' in response.headers["Content-Disposition"]
        title = sheets.read_csv(response.data)[0]
        assert len(title) == 1 and title[0].startswith(f"{name} · Atelier LLM & données (")
        assert " · For " in title[0] and " · Exported on " in title[0]
        response = organizer.get(f"{EXPORT}{preset}&format=xlsx", buffered=True)
        assert f"filename={stem}-atelier-" in response.headers["Content-Disposition"]
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
        sheet = workbook.worksheets[0]
        assert sheet["A1"].value == title[0] and sheet["A1"].font.b
        assert workbook.properties.title == name and workbook.properties.subject.startswith("For ")
        assert sheet.oddHeader.center.text.startswith(name)  # on every printed page


def test_the_security_list_is_sorted_by_last_name_accents_ignored_with_no_email(organizer, care):
    path = f"{EXPORT}security&format=xlsx&identity={care.q.identity.id}&identity={care.q.birth.id}"
    data = download(organizer, path)
    header, rows = table(sheets.read_xlsx(data), "Last name")
    assert header == [
        "Last name",
        "First name",
        "Organization",
        "Identity document number",
        "Date of birth",
        "Category",
    ]
    # Éluard among the e's (a plain sort puts it after Zola); Martin never answered: the name on
    # his account, split; only the people with a seat.
    assert [row[:3] for row in rows] == [
        ["Dupont", "Jean", ""],
        ["Éluard", "Zoé", "+1"],
        ["Martin", "Anne", "Inria"],
        ["Zola", "Émile", "L'Aurore"],
    ]
    assert [row[3] for row in rows] == ["", ID_NUMBER, "", "-2+3"]
    cells = [str(cell) for row in sheets.read_xlsx(data) for cell in row]
    assert not [cell for cell in cells if "@" in cell] and "Email" not in header
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:F7"  # the header, under the title


def test_the_security_list_falls_back_to_the_names_on_the_accounts(client, care, make_member):
    plain = add_event("plain", care.people["organizer"].id)
    seat(plain, make_member("a@example.org", name="Élise de La Tour", organization="Inria"))
    seat(plain, make_member("b@example.org", name="Cher"))
    seat(plain, guest_name="Bob Zèbre", guest_email="bob@example.org", guest_organization="Acme")
    db.session.commit()
    login(client, care.people["organizer"])
    header, rows = table(
        sheets.read_csv(download(client, "/admin/events/plain/export?preset=security&format=csv")), "Last name"
    )
    assert header == ["Last name", "First name", "Organization", "Category"]
    assert [row[:3] for row in rows] == [["Cher", "", ""], ["de La Tour", "Élise", "Inria"], ["Zèbre", "Bob", "Acme"]]


def test_only_the_questions_offered_may_be_added_to_the_security_list(organizer, care):
    for bad in (care.q.last.id, "x", 999999):
        assert organizer.get(f"{EXPORT}security&format=csv&identity={bad}").status_code == 400
    assert organizer.get(f"{EXPORT}security&format=ods").status_code == 400
    assert organizer.get(f"{EXPORT}full&format=csv&sep=tab").status_code == 400


def test_the_catering_file_counts_each_diet_then_lists_who_eats_what(organizer, care):
    rows = sheets.read_csv(download(organizer, f"{EXPORT}catering&format=csv"))
    start = rows.index(["Diet", "People"])
    # The cancelled and the waiting person's answers count nowhere.
    assert rows[start + 1 : start + 7] == [
        ["Vegetarian", "2"],
        ["Gluten-free", "1"],
        ["No diet", "0"],
        ["No answer", "1"],
        ["People with a seat", "4"],
        [],
    ]
    header, people = table(rows, "Name")
    assert header == ["Name", "Diet"]
    assert people == [
        ["Anne Martin", "Gluten-free"],
        ["Émile Zola", ""],
        ["Jean Dupont", "Vegetarian"],
        ["Zoé Quenneville", "Vegetarian"],
    ]
    counted = sheets.read_xlsx(download(organizer, f"{EXPORT}catering&format=xlsx"))
    assert ["Vegetarian", 2] in counted  # a number cell, for the caterer's sums


def test_an_admin_gets_the_catering_counts_without_who_eats_what(client, care):
    login(client, care.people["admin"])
    rows = sheets.read_csv(download(client, f"{EXPORT}catering&format=csv"))
    assert ["Vegetarian", "2"] in rows and ["People with a seat", "4"] in rows
    assert not [row for row in rows if row and row[0] == "Name"]
    assert "Who eats what goes to the event's own organizers only" in rows[-1][0]


def test_each_export_is_recorded_with_its_purpose_and_the_questions_it_carries(organizer, care):
    q = care.q
    download(organizer, f"{EXPORT}security&format=csv&identity={q.identity.id}")
    download(organizer, f"{EXPORT}catering&format=xlsx")
    download(organizer, f"{EXPORT}full&format=csv")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    ids = lambda *questions: ", ".join(str(question.id) for question in questions)  # noqa: E731
    assert [(entry.action, entry.event_id, entry.changes) for entry in entries] == [
        (
            "export.security_list",
            care.event.id,
            {
                "format": "csv",
                "purpose": "security",
                "questions": ids(q.last, q.first, q.organization, q.identity),
                "sensitive_questions": ids(q.identity),
            },
        ),
        (
            "export.catering",
            care.event.id,
            {"format": "xlsx", "purpose": "catering", "questions": ids(q.diet), "sensitive_questions": ids(q.diet)},
        ),
        (
            "export.attendees",
            care.event.id,
            {
                "format": "csv",
                "purpose": "full",
                "questions": ids(
                    q.last, q.first, q.organization, q.diet, q.access, q.health, q.identity, q.birth, q.tshirt, q.talk
                )
                + f", {q.companions.id}, {q.retired.id}",
                "sensitive_questions": ids(q.diet, q.access, q.health, q.identity, q.birth),
            },
        ),
    ]
    # The log page names the purpose.
    admin = organizer.application.test_client()
    login(admin, care.people["admin"])
    page = admin.get("/admin/audit/").get_data(as_text=True)
    assert "Venue security list exported" in page and "for: Venue security list" in page


def test_a_refused_export_records_nothing(client, care):
    login(client, care.people["admin"])
    assert client.get(f"{EXPORT}security&format=csv&identity={care.q.identity.id}").status_code == 403
    assert client.get(f"{EXPORT}security&format=csv&identity=nope").status_code == 400
    assert db.session.scalars(select(AuditEntry)).all() == []


@pytest.mark.parametrize(
    "path",
    [
        "/admin/events/atelier/attendees.csv",
        "/admin/events/atelier/attendees.xlsx",
        f"{EXPORT}full&format=csv",
        f"{EXPORT}full&format=xlsx",
        f"{EXPORT}security&format=csv&identity=ID",
        f"{EXPORT}security&format=xlsx&identity=ID",
        f"{EXPORT}catering&format=csv",
        f"{EXPORT}catering&format=xlsx",
    ],
)
def test_an_export_with_answers_runs_the_same_number_of_queries_for_3_and_30_registrations(
    organizer, care, monkeypatch, path
):
    monkeypatch.setattr(exports, "BATCH", 10)  # 30 rows span several batches
    path = path.replace("ID", str(care.q.identity.id))
    counts = {}
    for n in (3, 30):
        bulk = db.session.scalars(select(Member.id).where(Member.email.like("bulk%"))).all()
        db.session.execute(
            delete(Answer).where(
                Answer.registration_id.in_(select(Registration.id).where(Registration.member_id.in_(bulk)))
            )
        )
        db.session.execute(delete(Registration).where(Registration.member_id.in_(bulk)))
        db.session.execute(delete(Member).where(Member.id.in_(bulk)))
        db.session.commit()
        bulk_answered(care.event, care.q, n, prefix=f"bulk{n}-")
        with count_queries(db.engine) as statements:
            data = download(organizer, path)
        rows = sheets.read_csv(data) if "csv" in path else sheets.read_xlsx(data)
        cells = [str(cell) for row in rows for cell in row]
        assert cells.count("Gluten-free") >= (n if "security" not in path else 0)
        assert sum(1 for cell in cells if cell.startswith(f"Bulk{n}-") or cell == "Nom") >= n
        counts[n] = len(statements)
    assert counts[3] == counts[30], counts
    print(f"\n{path}: {counts[3]} queries (3 and 30 registrations)")


@sheets.needs_libreoffice
def test_libreoffice_opens_the_full_list_with_answers_and_runs_no_formula(organizer, care, tmp_path):
    cells = sheets.libreoffice_cells(download(organizer, f"{EXPORT}full&format=xlsx"), tmp_path)
    assert not sheets.formulas(cells)
    shown = sheets.texts(cells)
    assert {'=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(1)", "=1+1", "-T-shirt size", HEALTH} <= shown
    assert any(text.startswith("Full attendee list · ") for text in shown)
