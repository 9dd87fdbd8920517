"""The attendee's page "My answers": see and change the answers given at registration until
registration closes, from "my registrations" (a member) or from the ticket link in the
mails (anyone holding it: guests have no account). After that, or once the registration
is cancelled, the answers are shown read-only with the reason."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.errors import attempt
from community.events.permissions import visible_event
from community.members.access import anyone, member_required
from community.questions import answer_changes, answers
from community.questions.views import bp
from community.registrations import mails
from community.registrations.queries import live_registration


@bp.route("/<slug>/answers", methods=["GET", "POST"])
@member_required
def mine(slug):
    event = visible_event(slug)
    registration = live_registration(event.id, member_id=current_user.id)
    if registration is None:
        flash(_("You have no registration for this event."), "info")
        return redirect(url_for("registrations.mine"))
    return _page(registration, back=(url_for("registrations.mine"), _("My registrations")))


@bp.route("/tickets/<token>/answers", methods=["GET", "POST"])
@anyone
def by_token(token):
    registration = mails.registration_from(token)
    if registration is None:
        abort(404)
    return _page(registration, back=(url_for("registrations.ticket", token=token), _("My ticket")))


def _page(registration, back: tuple[str, str]):
    questions = answers.asked(registration.event, registration.category_id)
    problems = {}
    if request.method == "POST":

        def refused(error) -> bool:
            problems.update(getattr(error, "problems", {}))
            return False

        _done, ok = attempt(
            lambda: answer_changes.change_answers(registration, questions, request.form),
            _("Your answers are saved."),
            refused,
        )
        if ok:
            return redirect(request.path)
        questions = answers.asked(registration.event, registration.category_id)  # the rollback expired them
    stored = answers.of_registrations([registration.id]).get(registration.id, {})
    return render_template(
        "questions/answers.html",
        registration=registration,
        event=registration.event,
        questions=questions,
        values=answers.from_form(questions, request.form) if problems else answers.as_fields(questions, stored),
        problems=problems,
        locked=answer_changes.answers_problem(registration),
        readable=[(question, answers.shown(question, stored.get(question.id))) for question in questions],
        back=back,
    )
