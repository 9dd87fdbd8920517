"""What the audit log's entries are called on its page: the kinds of objects, the keys of
their changes, and their values ("yes", "—", an export's purpose by its preset's name)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from community.admin.presets import PRESETS

# Kinds of objects an entry can be about, as the filter and the rows name them.
OBJECT_TYPES = {
    "member": _l("Member"),
    "event": _l("Event"),
    "working_group": _l("Working group"),
    "registration": _l("Registration"),
    "check_in": _l("Check-in"),
    "event_message": _l("Message to attendees"),
    "event_staff": _l("Event staff"),
    "group_membership": _l("Group membership"),
    "group_announcement": _l("Announcement"),
    "outbox_email": _l("Mail"),
    "question": _l("Registration question"),
}
# Keys of `changes` that hold a member id: shown as the member's name.
MEMBER_KEYS = ("member_id",)
# What the keys of `changes` are called on the page; an unknown key is shown as it is.
CHANGE_LABELS = {
    "announcement_id": _l("announcement"),
    "answers_erased": _l("answers erased"),
    "archived": _l("archived"),
    "attempts": _l("attempts"),
    "audience": _l("audience"),
    "capacity": _l("capacity"),
    "category_id": _l("ticket category"),
    "choices_added": _l("choices added"),
    "choices_deleted": _l("choices deleted"),
    "choices_retired": _l("choices kept for their answers"),
    "description_changed": _l("description changed"),
    "event_staff_roles_ended": _l("event staff roles ended"),
    "fields": _l("fields changed"),
    "format": _l("format"),
    "group_memberships_ended": _l("group memberships ended"),
    "guest": _l("guest"),
    "guest_answers_erased": _l("guest answers erased"),
    "guest_days": _l("guest data kept (days)"),
    "guest_mails_purged": _l("guest mails purged"),
    "guest_registrations_anonymized": _l("guest registrations anonymized"),
    "join_policy": _l("joining"),
    "kind": _l("kind"),
    "label": _l("question"),
    "lead": _l("lead"),
    "mail_bodies_purged": _l("mail texts purged"),
    "mail_days": _l("mail texts kept (days)"),
    "mails_deleted": _l("mails deleted"),
    "mails_purged": _l("mails purged"),
    "mails_requeued": _l("mails back in the queue"),
    "name": _l("name"),
    "over_capacity": _l("over capacity"),
    "position": _l("place"),
    "promoted": _l("promoted from the waiting list"),
    "purpose": _l("for"),
    "questions": _l("questions"),
    "q": _l("search"),
    "recipient_count": _l("recipients"),
    "recipients": _l("recipients"),
    "registration_closes_at": _l("registration closes"),
    "registration_id": _l("registration"),
    "registration_opens_at": _l("registration opens"),
    "registrations_anonymized": _l("registrations anonymized"),
    "registrations_cancelled": _l("registrations cancelled"),
    "required": _l("required"),
    "retired": _l("kept for its answers"),
    "role": _l("role"),
    "sensitive": _l("sensitive"),
    "sensitive_answers_erased": _l("sensitive answers erased"),
    "sensitive_days": _l("sensitive answers kept (days)"),
    "sensitive_questions": _l("sensitive questions"),
    "slug": _l("address"),
    "status": _l("status"),
    "summary": _l("summary"),
    "template": _l("kind of mail"),
    "told": _l("people told"),
    "was": _l("status before"),
}


def value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(value(item) for item in value)
    return str(value)


def purpose(key: str) -> str:
    """An export's purpose (its preset's key) by the preset's name."""
    preset = PRESETS.get(key)
    return str(preset.name) if preset is not None else key


def key(key: str) -> str:
    label = CHANGE_LABELS.get(key)
    return str(label) if label is not None else key.replace("_", " ")
