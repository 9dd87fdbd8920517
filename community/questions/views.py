"""The organizer's pages of an event's registration questions: the list in the order they
are asked (with buttons to move them), add, edit, and remove after a confirmation.

Views parse, call questions/services.py, commit once and redirect with a message; a
refused change rolls back and the form is shown again with the reason."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from community.core.errors import attempt, attempt_form, form_status
from community.events.permissions import manager_required
from community.events.queries import of_event_or_404
from community.questions import answers, queries, services
from community.questions.forms import QuestionForm
from community.questions.models import KIND_LABELS, ROLE_LABELS, Question

bp = Blueprint("questions", __name__, url_prefix="/events")


def question_or_404(event, question_id: int) -> Question:
    question = of_event_or_404(Question, question_id, event)
    if question.retired_at is not None:
        abort(404)
    return question


def _list(event, anchor=None):
    return redirect(url_for("questions.index", slug=event.slug, _anchor=anchor))


@bp.route("/<slug>/dashboard/questions", methods=["GET", "POST"])
@manager_required
def index(event):
    form = QuestionForm(categories=event.categories)
    if attempt_form(form, lambda: services.add_question(current_user, event, form.to_data()), _("Question added.")):
        return _list(event)
    every = answers.of_event(event)
    return render_template(
        "questions/index.html",
        event=event,
        form=form,
        live=[q for q in every if q.retired_at is None],
        retired=[q for q in every if q.retired_at is not None],
        counts=queries.answer_counts(event),
        kinds=KIND_LABELS,
        roles=ROLE_LABELS,
    ), form_status(form)


@bp.route("/<slug>/dashboard/questions/<int:question_id>", methods=["GET", "POST"])
@manager_required
def edit(event, question_id):
    question = question_or_404(event, question_id)
    form = QuestionForm.for_question(question, categories=event.categories)
    if attempt_form(form, lambda: services.edit_question(current_user, question, form.to_data()), _("Question saved.")):
        return _list(event)
    return render_template(
        "questions/edit.html", event=event, question=question, form=form, answered=queries.has_answers(question)
    ), form_status(form)


@bp.post("/<slug>/dashboard/questions/<int:question_id>/move")
@manager_required
def move(event, question_id):
    question = question_or_404(event, question_id)
    step = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if step is not None:
        attempt(lambda: services.move_question(current_user, question, step))
    return _list(event, anchor=f"question-{question.id}")


@bp.route("/<slug>/dashboard/questions/<int:question_id>/remove", methods=["GET", "POST"])
@manager_required
def remove(event, question_id):
    """A GET says what removing does (kept for its answers, or deleted), the POST removes."""
    question = question_or_404(event, question_id)
    if request.method == "GET":
        count = queries.answer_counts(event).get(question.id, 0)
        return render_template("questions/remove.html", event=event, question=question, count=count)
    label = question.label
    attempt(
        lambda: services.remove_question(current_user, question),
        lambda retired: (
            _("Question “%(label)s” removed; its answers are kept.", label=label)
            if retired
            else _("Question “%(label)s” deleted.", label=label),
            "success",
        ),
    )
    return _list(event)
