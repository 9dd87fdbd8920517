"""Check-in at the door: search, one tap, scan."""
from flask import Blueprint

bp = Blueprint("checkin", __name__, url_prefix="/events")
