"""A registration's status changes only as the TRANSITIONS table allows, each change stamped."""

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from community.registrations.models import TRANSITIONS, Registration, RegistrationStatus, StatusChangeRefused

NOW = datetime(2031, 5, 4, 7, 30, tzinfo=UTC)
HOLD = NOW + timedelta(minutes=30)
STATUSES = [None] + [status.value for status in RegistrationStatus]
ALLOWED = [(before, after) for before in STATUSES for after in sorted(TRANSITIONS[before])]
FORBIDDEN = [(before, after) for before in STATUSES for after in STATUSES[1:] if after not in TRANSITIONS[before]]
STAMPS = ("confirmed_at", "hold_expires_at", "waitlisted_at", "promoted_at", "cancelled_at")


def registration_in(status):
    earlier = NOW - timedelta(days=1)
    return Registration(
        status=status,
        confirmed_at=earlier if status == "confirmed" else None,
        hold_expires_at=earlier if status == "held" else None,
        waitlisted_at=earlier if status == "waiting" else None,
    )


def change(registration, before, after):
    if before is None:
        registration.start(after, NOW, hold_until=HOLD)
    else:
        registration.move(after, NOW, hold_until=HOLD)


def test_the_table_knows_every_status_and_a_cancelled_registration_is_final():
    assert set(TRANSITIONS) == set(STATUSES)
    assert TRANSITIONS["cancelled"] == set()
    assert len(ALLOWED) == 9 and len(FORBIDDEN) == 11


@pytest.mark.parametrize("before, after", ALLOWED)
def test_every_allowed_change_is_made_and_stamped_with_its_time(before, after):
    registration = registration_in(before)
    change(registration, before, after)
    assert registration.status == after
    expected = {
        "confirmed": "confirmed_at",
        "held": "hold_expires_at",
        "waiting": "waitlisted_at",
        "cancelled": "cancelled_at",
    }
    assert getattr(registration, expected[after]) == (HOLD if after == "held" else NOW)
    # Leaving the waiting list for a seat is a promotion; nothing else is.
    assert (registration.promoted_at == NOW) == (before == "waiting" and after != "cancelled")


@pytest.mark.parametrize("before, after", FORBIDDEN)
def test_every_forbidden_change_is_refused_and_changes_nothing(before, after):
    registration = registration_in(before)
    stamps = {name: getattr(registration, name) for name in STAMPS}
    with pytest.raises(StatusChangeRefused):
        change(registration, before, after)
    assert registration.status == before
    assert {name: getattr(registration, name) for name in STAMPS} == stamps


def test_a_new_registration_starts_with_every_stamp_cleared():
    registration = Registration(promoted_at=NOW, confirmed_at=NOW)
    registration.start("waiting", NOW)
    assert (registration.promoted_at, registration.confirmed_at, registration.waitlisted_at) == (None, None, NOW)


def test_only_the_seat_engine_changes_a_registration_status():
    """`.move(` / `.start(` on a registration, or a status written by hand, anywhere but
    the seat engine (registrations/seats.py, seats_by_hand.py) and the model itself would bypass the engine."""
    root = Path(__file__).resolve().parents[2] / "community"
    offenders = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative in (
            "registrations/seats.py",
            "registrations/seats_by_hand.py",
            "registrations/models.py",
        ) or relative.startswith("migrations/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("move", "start")
            ):
                if "registration" in ast.unparse(node.func.value).lower():
                    offenders.append(f"{relative}:{node.lineno}")
            targets = node.targets if isinstance(node, ast.Assign) else []
            for target in (t for t in targets for t in (t.elts if isinstance(t, ast.Tuple) else [t])):
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr == "status"
                    and "registration" in ast.unparse(target.value).lower()
                ):
                    offenders.append(f"{relative}:{node.lineno}")
    assert offenders == []
