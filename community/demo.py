"""A clearly labelled demo community for `make run` on an empty database."""

import secrets

from sqlalchemy import func, select

from community.core.extensions import db
from community.members import services
from community.members.models import Member, Role

DEMO_ADMIN = "admin@demo.example.org"

# (name, organization, language): invented people, addresses on the reserved example.org domain.
DEMO_PEOPLE = [
    ("Camille Martin", "Université de Lyon", "fr"),
    ("Louis Bernard", "Inria", "fr"),
    ("Léa Dubois", "CNRS", "fr"),
    ("Hugo Thomas", "Startup IA", "fr"),
    ("Chloé Robert", "Sorbonne Université", "fr"),
    ("Lucas Richard", "Indépendant", "fr"),
    ("Manon Petit", "Ministère de la Culture", "fr"),
    ("Nathan Durand", "École polytechnique", "fr"),
    ("Emma Leroy", "Hugging Face", "en"),
    ("Jules Moreau", "Association Data For Good", "fr"),
    ("Sarah Schmidt", "TU München", "en"),
    ("Gabriel Laurent", "Télécom Paris", "fr"),
]


def seed() -> str:
    """Seed only an empty database; return what to print."""
    if db.session.scalar(select(func.count()).select_from(Member)):
        return "The database already has members: no demo data added."
    password = secrets.token_urlsafe(12)
    admin = services.make_admin(DEMO_ADMIN, name="Admin (démo)", password=password)
    members = []
    for number, (name, organization, language) in enumerate(DEMO_PEOPLE, start=1):
        member = services.create_member(
            email=f"member{number}@demo.example.org", display_name=name, password=password, language=language
        )
        member.organization = organization
        member.directory_visible = number % 3 != 0
        services.mark_confirmed(member)
        members.append(member)
    members[0].role = Role.ORGANIZER.value
    db.session.flush()
    _seed_domains(admin, members)
    return (
        "DEMO community seeded (invented people at example.org).\n"
        f"  admin:     {DEMO_ADMIN}\n"
        f"  organizer: {members[0].email}\n"
        f"  members:   member2@demo.example.org ... member{len(members)}@demo.example.org\n"
        f"  password for all of them: {password}"
    )


def _seed_domains(admin, members) -> None:
    from community.events import demo as events_demo
    from community.groups import demo as groups_demo

    groups_demo.seed_demo(admin, members)
    events_demo.seed_demo(admin, members)
