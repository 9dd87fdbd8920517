"""Invitation codes: the organizer's page of a category's codes (make, mail, download,
withdraw), and the page where a holder types their code and registers with it.

Attempts at a code are rate-limited per client address (CODE_ATTEMPTS)."""

from flask import Response, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from community.admin.exports import when
from community.admin.spreadsheets import csv_chunks
from community.core.clock import utcnow
from community.core.errors import DomainError, attempt
from community.events.permissions import current_member, manager_required, visible_event
from community.events.queries import of_event_or_404
from community.members.access import anyone
from community.questions import queries as question_queries
from community.registrations import services as registrations
from community.tickets import codes
from community.tickets.attempts import CODE_ATTEMPTS
from community.tickets.forms import CodeForm, SendCodesForm
from community.tickets.models import InvitationCode
from community.tickets.views import bp, category_or_404

CSV_HEADER = (
    _l("Code"),
    _l("Category"),
    _l("Uses allowed"),
    _l("Uses"),
    _l("Expires at"),
    _l("Withdrawn at"),
    _l("Sent to"),
)


def _codes_page(event, category):
    return redirect(url_for("tickets.codes_page", slug=event.slug, category_id=category.id))


@bp.route("/<slug>/categories/<int:category_id>/codes", methods=["GET", "POST"])
@manager_required
def codes_page(event, category_id):
    """The list of the category's codes, and the forms that make or mail new ones."""
    category = category_or_404(event, category_id)
    make, send = CodeForm(prefix="make"), SendCodesForm(prefix="send", language=str(get_locale()))
    ok = True
    if make.submit.data and make.validate_on_submit():
        ok = _make_codes(make, category)
    elif send.submit.data and send.validate_on_submit():
        ok = _send_codes(send, category)
    if request.method == "POST" and ok and not (make.errors or send.errors):
        return _codes_page(event, category)
    return render_template(
        "tickets/codes.html", event=event, category=category, codes=codes.of_category(category), make=make, send=send
    ), 400 if make.errors or send.errors or not ok else 200


def _make_codes(form, category) -> bool:
    _made, ok = attempt(
        lambda: codes.create(current_user, category, count=form.count.data, **form.limits()),
        lambda made: (ngettext("%(num)d code made.", "%(num)d codes made.", len(made)), "success"),
    )
    return ok


def _send_codes(form, category) -> bool:
    _sent, ok = attempt(
        # The addresses are read inside attempt(): a bad one is a message, not an error page.
        lambda: codes.send(
            current_user, category, codes.addresses(form.addresses.data), language=form.language.data, **form.limits()
        ),
        lambda sent: (
            ngettext("%(num)d invitation is on its way.", "%(num)d invitations are on their way.", len(sent)),
            "success",
        ),
    )
    return ok


@bp.get("/<slug>/categories/<int:category_id>/codes.csv")
@manager_required
def codes_csv(event, category_id):
    category = category_or_404(event, category_id)
    rows = [
        (c.code, category.name, c.uses_allowed, c.uses, when(c.expires_at), when(c.revoked_at), c.sent_to)
        for c in codes.of_category(category)
    ]
    return Response(
        csv_chunks(CSV_HEADER, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="codes-{event.slug}-{category.id}.csv"'},
    )


@bp.post("/<slug>/codes/<int:code_id>/revoke")
@manager_required
def revoke_code(event, code_id):
    code = of_event_or_404(InvitationCode, code_id, event)
    attempt(lambda: codes.revoke(current_user, code), _("Code %(code)s withdrawn.", code=code.code))
    return redirect(url_for("tickets.codes_page", slug=event.slug, category_id=code.category_id))


def _found(event, typed: str):
    """(The code typed, why it cannot be used): (None, None) when nothing was typed."""
    if not typed:
        return None, None
    try:
        return codes.find(event, typed, utcnow()), None
    except DomainError as error:
        return None, str(error)


@bp.route("/<slug>/invitation", methods=["GET", "POST"])
@anyone
@CODE_ATTEMPTS
def invitation(slug):
    """Type a code (or follow the mailed link that carries it): its category, and the way to register with it."""
    event, me = visible_event(slug), current_member()
    typed = request.values.get("code", "")
    found, refusal = _found(event, typed)
    if found is not None and request.method == "POST":
        return redirect(url_for("tickets.invitation", slug=event.slug, code=found.code))
    return render_template(
        "tickets/invitation.html",
        event=event,
        code=found,
        asks=bool(me and found and question_queries.asking(event, [found.category_id])),
        typed=typed,
        refusal=refusal,
        problem=registrations.registration_problem(event, me),
        registration=registrations.live_registration(event.id, member_id=me.id) if me else None,
    ), 400 if refusal else 200
