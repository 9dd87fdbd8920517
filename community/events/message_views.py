"""Mail from organizers to an event's people."""
from flask import Blueprint

bp = Blueprint("event_messages", __name__, url_prefix="/events")
