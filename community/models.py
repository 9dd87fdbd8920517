"""Import every domain's tables so the metadata (and Alembic) sees them all."""

from community.checkin.models import CheckIn  # noqa: F401
from community.core.audit import AuditEntry  # noqa: F401
from community.events.models import Event, EventStaff  # noqa: F401
from community.groups.models import Announcement, GroupMembership, WorkingGroup  # noqa: F401
from community.jobs.models import ScheduledJob  # noqa: F401
from community.mail.models import DeliveryAttempt, OutboxAttachment, OutboxEmail  # noqa: F401
from community.members.models import Member  # noqa: F401
from community.messages.models import EventMessage  # noqa: F401
from community.questions.models import Answer, Choice, Question  # noqa: F401
from community.registrations.models import Registration  # noqa: F401
from community.tickets.models import Category, InvitationCode  # noqa: F401
