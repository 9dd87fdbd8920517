"""Check-in at the door: search, one tap, scan.

Every route is for the event's stewards, organizers and admins. The page works
without JavaScript (GET search, POST actions, redirect back with the result);
static/checkin.js asks for JSON instead (Accept: application/json) and stays on
the page. The ticket's QR code opens `scan`, for staff only.
"""

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from community.checkin import queries as door
from community.checkin import services as checkin
from community.checkin.refusals import person_name, refusal_message
from community.core.clock import clock_time
from community.core.errors import DomainError
from community.core.extensions import db
from community.core.security import safe_next
from community.core.text import one_line
from community.events.models import Event
from community.events.permissions import may_check_in, steward_required
from community.members.access import member_required
from community.registrations.queries import registration_or_404

bp = Blueprint("checkin", __name__, url_prefix="/events")
GATE_KEY = "checkin_gate"
RESULT_KEY = "checkin_result"


def _wants_json() -> bool:
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"


def _query() -> str:
    return (request.values.get("q") or "")[: door.MAX_QUERY]


def _page_url(event: Event, q: str = "") -> str:
    return url_for("checkin.page", slug=event.slug, q=q or None)


def _results(event: Event, q: str) -> str:
    return render_template(
        "checkin/_results.html",
        event=event,
        q=q,
        matches=door.find(event, q),
        back=_page_url(event, q),
        clock_time=clock_time,
    )


def _respond(event: Event, outcome: str, message: str):
    """JSON for the script; for a plain form, the result waits in the session for the page."""
    if _wants_json():
        checked_in, confirmed = door.live_count(event)
        return jsonify(outcome=outcome, message=message, checked_in=checked_in, confirmed=confirmed)
    session[RESULT_KEY] = {"outcome": outcome, "message": message}
    return redirect(safe_next(request.form.get("next"), _page_url(event)))


def _check_in(event: Event, target):
    result = checkin.check_in(current_user, event, target, gate=session.get(GATE_KEY, ""))
    message = str(result.message)  # read now: the commit expires the objects it names
    db.session.commit()
    return _respond(event, result.outcome.value, message)


# ------------------------------------------------------------------ the door page


@bp.get("/<slug>/checkin")
@steward_required
def page(event):
    q = _query()
    checked_in, confirmed = door.live_count(event)
    return render_template(
        "checkin/page.html",
        event=event,
        q=q,
        results=Markup(_results(event, q)),
        checked_in=checked_in,
        confirmed=confirmed,
        result=session.pop(RESULT_KEY, None),
        gate=session.get(GATE_KEY, ""),
    )


@bp.get("/<slug>/checkin/search")
@steward_required
def search(event):
    q = _query()
    checked_in, confirmed = door.live_count(event)
    response = jsonify(html=_results(event, q), checked_in=checked_in, confirmed=confirmed)
    response.headers["Cache-Control"] = "no-store"  # names and emails: not for the browser's cache
    return response


@bp.get("/<slug>/checkin/count")
@steward_required
def count(event):
    checked_in, confirmed = door.live_count(event)
    return jsonify(checked_in=checked_in, confirmed=confirmed)


@bp.post("/<slug>/checkin/<int:registration_id>")
@steward_required
def check_in(event, registration_id):
    return _check_in(event, registration_or_404(event, registration_id))


@bp.post("/<slug>/checkin/<int:registration_id>/undo")
@steward_required
def undo(event, registration_id):
    registration = registration_or_404(event, registration_id)
    name = person_name(registration)
    active, _steward = door.active_check_in(registration.id)
    if active is None:
        return _respond(event, "already", _("%(name)s is not checked in.", name=name))
    try:
        checkin.undo(current_user, active)
    except DomainError as error:
        db.session.rollback()
        return _respond(event, "already", str(error))
    db.session.commit()
    return _respond(event, "undone", _("Check-in of %(name)s undone.", name=name))


@bp.post("/<slug>/checkin/enter")
@steward_required
def enter(event):
    """Enter in the search box: a ticket code or URL checks in at once; anything else searches."""
    q = _query()
    result = checkin.scan(current_user, event, q, session.get(GATE_KEY, ""))
    if result is None:
        if _wants_json():
            return jsonify(outcome="search")
        return redirect(_page_url(event, q))
    message = str(result.message)
    db.session.commit()
    return _respond(event, result.outcome.value, message)


@bp.post("/<slug>/checkin/gate")
@steward_required
def gate(event):
    """The door or device name, remembered for this browser's session and written on each check-in."""
    session[GATE_KEY] = one_line(request.form.get("gate"), checkin.GATE_LENGTH)
    if _wants_json():
        return jsonify(gate=session[GATE_KEY])
    return redirect(safe_next(request.form.get("next"), _page_url(event)))


# ------------------------------------------------------------------ the ticket's QR code


def _seen_before(match) -> dict | None:
    """A ticket opened again once its holder is in (a second scan, a forwarded or copied
    ticket) says so, in the door's warning style, as typing the code does."""
    if match.check_in is None:
        return None
    message = checkin.already_message(match.registration, match.check_in, match.steward_name)
    return {"outcome": checkin.Outcome.ALREADY.value, "message": str(message)}


@bp.get("/checkin/<string(length=16):code>")
@member_required
def scan(code):
    """What a staff phone's camera opens: the person and one button. A GET changes
    nothing. Anyone who may not check in at that event gets the same 404 as for an
    unknown code, so the URL on a ticket tells them nothing."""
    registration = door.by_code(code)
    event = registration.event if registration is not None else None
    if event is None or not may_check_in(current_user, event):
        abort(404)
    checked_in, confirmed = door.live_count(event)
    match = door.find(event, code, limit=1)[0]
    return render_template(
        "checkin/scan.html",
        event=event,
        match=match,
        checked_in=checked_in,
        confirmed=confirmed,
        result=session.pop(RESULT_KEY, None) or _seen_before(match),
        back=url_for("checkin.scan", code=code),
        clock_time=clock_time,
        refusal_message=refusal_message,
    )
