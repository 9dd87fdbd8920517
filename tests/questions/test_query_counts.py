"""The pages that ask questions run a fixed number of queries, whatever their number
(and their choices'): the member's registration form, the guest form, "my answers",
"my registrations" and the organizer's list."""

from community.core.extensions import db
from community.registrations import mails, services
from tests.conftest import login
from tests.querycount import count_queries
from tests.questions.conftest import DIET, answer_form

KINDS = ["text", "long_text", "choice", "multiple", "yes_no", "number", "date"]


def test_the_question_pages_cost_the_same_with_two_questions_or_fourteen(client, make_event, make_member, ask):
    event = make_event(capacity=10)
    organizer = make_member(role="admin")
    member, attendee = make_member(organization="Inria"), make_member()

    def add(first, last):
        for i in range(first, last):
            kind = KINDS[i % len(KINDS)]
            choices = DIET if kind in ("choice", "multiple") else []
            ask(event, kind, f"Question {kind} {i}", role="organization" if i == 0 else None, choices=choices)

    def measure():
        counts = {}
        for who, path in (
            (member, f"/events/{event.slug}/register"),
            (attendee, f"/events/{event.slug}/answers"),
            (attendee, "/events/mine"),
            (None, f"/events/{event.slug}/guest"),
            (None, ticket_answers),
            (organizer, f"/events/{event.slug}/dashboard/questions"),
        ):
            test_client = client.application.test_client()
            if who is not None:
                login(test_client, who)
            with count_queries(db.engine) as statements:
                assert test_client.get(path).status_code == 200, path
            counts[path] = len(statements)
        return counts

    add(0, 2)
    registration, _ = services.register_member(event, attendee, submitted=answer_form())
    db.session.commit()
    ticket_answers = f"/events/tickets/{mails.access_token(registration)}/answers"
    few = measure()
    add(2, 14)
    many = measure()
    assert many == few
    print(f"\nqueries: {few}")
