"""The processing register (GDPR art. 30): what personal data the community
processes, why, on which legal basis, who sees it and how long it is kept.

Built from the configuration at each request, so the periods it states are the
ones the code applies (retention purge, token lifetimes, seat holds ...)."""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext

from community.registrations.mails import ACCESS_MAX_AGE

CONTRACT = "contract"
CONSENT = "consent"
EXPLICIT_CONSENT = "explicit_consent"
LEGITIMATE = "legitimate"


@dataclass(frozen=True)
class Processing:
    key: str
    name: str
    data: str
    purpose: str
    basis: str
    who: str
    kept: list[str]


def legal_basis(basis: str) -> str:
    return {
        CONTRACT: _("Performance of the membership terms you accepted (GDPR art. 6(1)(b))"),
        CONSENT: _("Your consent, which you may withdraw at any time (GDPR art. 6(1)(a))"),
        LEGITIMATE: _("The community's legitimate interest, which you may object to (GDPR art. 6(1)(f))"),
        EXPLICIT_CONSENT: _(
            "Your explicit consent, given by answering a question that says why it is asked; you may withdraw it "
            "at any time (GDPR art. 6(1)(a) and 9(2)(a))"
        ),
    }[basis]


def days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n)


def hours(n: int) -> str:
    return ngettext("%(num)d hour", "%(num)d hours", n)


def minutes(n: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", n)


def _seconds(value) -> int:
    """A duration set as seconds or as a timedelta (Flask accepts both)."""
    return int(value.total_seconds()) if hasattr(value, "total_seconds") else int(value)


def processings(config) -> list[Processing]:
    return [
        _accounts(config),
        _registrations(config),
        _answers(config),
        _sensitive_answers(config),
        _check_ins(),
        _paper(),
        _groups(),
        _mail(config),
        _audit(),
        _security(config),
    ]


def _accounts(config) -> Processing:
    return Processing(
        "accounts",
        _("Member accounts"),
        _(
            "Email address, display name, password hash, language, organization and bio (optional), "
            "member directory choice, role, dates of sign-up, email confirmation and consent."
        ),
        _("Let members log in, write to them about what they asked for, show the directory to members."),
        CONTRACT,
        _(
            "The member; administrators; other members see name, organization and bio only if the member "
            "chose to appear in the directory."
        ),
        [
            _("As long as the account exists; deleted at once when the member deletes it."),
            _("Email confirmation links are valid %(period)s.", period=hours(config["CONFIRM_TOKEN_HOURS"])),
        ],
    )


def _registrations(config) -> Processing:
    return Processing(
        "registrations",
        _("Event registrations, including guests"),
        _(
            "Event, status (seat, waiting list, cancelled), registration, confirmation and cancellation times, "
            "ticket code; for guests without an account: name, email address and organization, and a keyed hash "
            "of the client address they registered from (to limit unconfirmed seats per address)."
        ),
        _("Give out a limited number of seats fairly, run the waiting list, send tickets and reminders."),
        CONTRACT,
        _("The person; the event's organizers and stewards; administrators."),
        [
            _(
                "A guest's seat is held %(period)s until the guest confirms it by mail.",
                period=minutes(config["GUEST_HOLD_MINUTES"]),
            ),
            _(
                "Guests' names and addresses are erased %(period)s after the event ended; the registration stays "
                "in the counts without them.",
                period=days(config["GUEST_DATA_RETENTION_DAYS"]),
            ),
            _("Members' registrations: as long as the account exists, then kept anonymized for the event's history."),
            _("Ticket and cancellation links are valid %(period)s.", period=days(ACCESS_MAX_AGE // 86400)),
        ],
    )


def _answers(config) -> Processing:
    return Processing(
        "answers",
        _("Answers to an event's registration questions"),
        _(
            "What a person answers to the questions an event's organizers ask at registration: name as on an "
            "identity document, organization, choices, dates, numbers or a few words."
        ),
        _("Prepare the event as its organizers need: badges, the venue's list, meals, the program."),
        CONTRACT,
        _("The person; the event's organizers; administrators."),
        [
            _("As long as the registration they belong to."),
            _(
                "A guest's answers are erased with their name, %(period)s after the event.",
                period=days(config["GUEST_DATA_RETENTION_DAYS"]),
            ),
            _(
                "When a member deletes the account, their answers are erased; chosen answers of a seat at a "
                "past event stay as counts that name nobody."
            ),
        ],
    )


def _sensitive_answers(config) -> Processing:
    return Processing(
        "sensitive_answers",
        _("Answers to sensitive questions"),
        _(
            "Answers to questions an organizer marks sensitive, which may reveal health or beliefs (special "
            "categories of data, GDPR art. 9): diet, accessibility needs, health, identity documents. Each such "
            "question says why it is asked and how long its answer is kept."
        ),
        _("Meet each person's needs at the event (meals, access), and give the venue the list it requires."),
        EXPLICIT_CONSENT,
        _(
            "The person; the event's own organizers only (the one who created it and the co-organizers named "
            "for it), on the dashboard and in exports, each export recorded with its purpose. Administrators, "
            "stewards and other organizers see counts only."
        ),
        [
            _(
                "Erased %(period)s after the event ended: typed answers are deleted, chosen answers are kept as "
                "counts that name nobody.",
                period=days(config["SENSITIVE_ANSWER_RETENTION_DAYS"]),
            ),
        ],
    )


def _check_ins() -> Processing:
    return Processing(
        "check_ins",
        _("Check-ins at the door"),
        _("Which registration was let in, when, at which door, by which steward; undone check-ins."),
        _("Let people in once, know how many came, keep the venue within its capacity."),
        LEGITIMATE,
        _("The event's organizers and stewards; administrators."),
        [_("As long as the registration they belong to; anonymized with it.")],
    )


def _paper() -> Processing:
    return Processing(
        "paper",
        _("Door lists and name badges printed"),
        _(
            "On the door list: the name, organization and ticket category of each person with a confirmed seat, "
            "and whether they were already let in; on a badge: name, organization, category and the ticket's "
            "QR code."
        ),
        _("Let people in when the connection fails at the door; let people at the event know who they talk to."),
        LEGITIMATE,
        _("The door list: the event's organizers and stewards; the badges: its organizers; administrators."),
        [
            _(
                "The PDF files are made on request and not kept on the server; each download is in the audit log. "
                "The printed lists are to be destroyed by the event's organizers after the event."
            )
        ],
    )


def _groups() -> Processing:
    return Processing(
        "groups",
        _("Working groups"),
        _(
            "Memberships and requests to join (with their message), lead role, the choice to receive "
            "announcements, announcements sent."
        ),
        _("Run the working groups: approve requests, send announcements to their members."),
        CONTRACT,
        _(
            "The member; the group's leads; administrators; other members see the group's members who appear "
            "in the directory."
        ),
        [_("Until the member leaves the group or deletes the account; a refused request is deleted at once.")],
    )


def _mail(config) -> Processing:
    return Processing(
        "mail",
        _("Mail outbox"),
        _("Recipient address and name, subject, text and attachments of each mail, delivery attempts and errors."),
        _(
            "Never lose a mail, send it again when a mail server is unavailable, answer when someone did not "
            "receive something."
        ),
        LEGITIMATE,
        _("Administrators; an event's organizers see the delivery status of the event's mails."),
        [
            _("A failed delivery is retried for %(period)s.", period=hours(config["MAIL_RETRY_HOURS"])),
            _(
                "The text and attachments of sent mails are deleted %(period)s after sending; date, subject and "
                "status stay for delivery statistics.",
                period=days(config["MAIL_BODY_RETENTION_DAYS"]),
            ),
            _("When a member deletes the account, the mails sent to them lose address, subject and text at once."),
        ],
    )


def _audit() -> Processing:
    return Processing(
        "audit",
        _("Audit log"),
        _(
            "What organizers and administrators did (roles, suspensions, capacities, exports, promotions ...), "
            "on which object, before and after, when; people are named by account number only."
        ),
        _("Prove what happened and who decided it."),
        LEGITIMATE,
        _("Administrators."),
        [_("For the life of the community; a deleted account leaves only its number.")],
    )


def _security(config) -> Processing:
    return Processing(
        "security",
        _("Security records and rate limits"),
        _(
            "Failed login attempts per account and address (IP address); per-address counters of attempts; "
            "the devices logged in (approximate browser name, when last used); the session cookie, the device "
            "cookie and, if chosen, the remember-me cookie."
        ),
        _("Protect accounts against password guessing and the site against floods."),
        LEGITIMATE,
        _("Nobody reads them: the site applies them automatically."),
        [
            _("Counters of failed logins are forgotten an hour after they start."),
            _(
                "A device's session ends at logout, or after %(period)s unused; the device cookie lasts %(days)s.",
                period=days(_seconds(config["REMEMBER_COOKIE_DURATION"]) // 86400),
                days=days(config["LOGIN_DEVICE_DAYS"]),
            ),
            _("Per-address counters expire within the hour."),
            _("Password reset links are valid %(period)s.", period=minutes(config["RESET_TOKEN_MINUTES"])),
            _(
                "The remember-me cookie lasts %(period)s.",
                period=days(_seconds(config["REMEMBER_COOKIE_DURATION"]) // 86400),
            ),
        ],
    )
