"""Import every domain's tables so the metadata (and Alembic) sees them all."""
from community.mail.models import DeliveryAttempt, OutboxAttachment, OutboxEmail  # noqa: F401
from community.members.models import Member  # noqa: F401
from community.groups.models import Announcement, GroupMembership, WorkingGroup  # noqa: F401
from community.events.models import CheckIn, Event, EventMessage, EventStaff, Registration  # noqa: F401
from community.admin.models import AuditEntry  # noqa: F401
