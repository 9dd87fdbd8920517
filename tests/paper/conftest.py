"""Events with people seated in bulk (members and guests, in chosen categories), and the
PDFs read back: text with pypdf, pages rendered to PNG with pdftoppm."""

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import insert, select

from community.core.clock import utcnow
from community.core.extensions import db
from community.events.models import EventStaff, StaffRole
from community.members.models import Member
from community.registrations.models import Registration, new_ticket_code
from community.tickets.models import Category
from tests.factories import member_row

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def organizer(make_member):
    return make_member("orga@example.org", name="Orla Organizer", role="organizer", language="en")


@pytest.fixture
def event(make_event, organizer):
    return make_event(title="Sommet OpenLLM 2026", capacity=500, created_by=organizer.id)


def add_category(event, name_fr, name_en="", colour=None) -> Category:
    category = Category(name_fr=name_fr, name_en=name_en, position=len(event.categories), taken=0)
    if colour:
        category.colour = colour
    event.categories.append(category)
    db.session.commit()
    return category


def seat(event, people, *, category=None, status="confirmed", guests=False) -> list[int]:
    """Registrations of the event for (name, organization) pairs, in one statement each for members
    and registrations; `guests`: without accounts. Returns the registration ids, in the given order.
    The seat counters are not moved: these tests read the rows, not the seat engine."""
    now = utcnow()
    category_id = (category or event.categories[0]).id
    rows = []
    if guests:
        for number, (name, organization) in enumerate(people):
            rows.append(
                {
                    "guest_name": name,
                    "guest_email": f"guest{number}-{new_ticket_code()}@example.org",
                    "guest_organization": organization,
                    "member_id": None,
                }
            )
    else:
        tag = new_ticket_code()
        emails = [f"p{number}-{tag}@example.org".lower() for number in range(len(people))]
        members = [
            member_row(email, name, now, organization=organization)
            for email, (name, organization) in zip(emails, people)
        ]
        db.session.execute(insert(Member), members)
        ids = dict(db.session.execute(select(Member.email, Member.id).where(Member.email.in_(emails))).all())
        rows = [{"member_id": ids[email], "guest_organization": ""} for email in emails]
    registrations = [
        {
            "event_id": event.id,
            "category_id": category_id,
            "status": status,
            "created_at": now,
            "language": "fr",
            "ticket_code": new_ticket_code(),
            "confirmed_at": now if status == "confirmed" else None,
            "hold_expires_at": now if status == "held" else None,
            **row,
        }
        for row in rows
    ]
    codes = [row["ticket_code"] for row in registrations]
    db.session.execute(insert(Registration), registrations)
    db.session.commit()
    by_code = dict(
        db.session.execute(
            select(Registration.ticket_code, Registration.id).where(Registration.ticket_code.in_(codes))
        ).all()
    )
    return [by_code[code] for code in codes]


def name_staff(event, member, role=StaffRole.STEWARD) -> None:
    db.session.add(EventStaff(event_id=event.id, member_id=member.id, role=role.value))
    db.session.commit()


def pdf_of(response) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(response.data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def render(pdf_bytes: bytes, name: str, page: int = 1, dpi: int = 100, mode: str = "L") -> Image.Image:
    """One page as pdftoppm draws it, saved to artifacts/screenshots/<name>.png to be looked at."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: `make paper-deps` installs Debian's poppler-utils")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / name
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile", "-", str(target)],
        input=pdf_bytes,
        check=True,
        capture_output=True,
        timeout=60,
    )
    with Image.open(target.with_suffix(".png")) as image:
        return image.convert(mode)


def drawn(client, path: str, name: str, *, dpi: int, mode: str = "L") -> Image.Image:
    """The first page of the PDF the app serves at `path`, checked as a PDF, then drawn by pdftoppm (render)."""
    response = client.get(path)
    pdf_of(response)
    return render(response.data, name, dpi=dpi, mode=mode)
