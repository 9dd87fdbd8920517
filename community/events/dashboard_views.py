"""The organizer's dashboard of one event: counts, chart, lists, actions on registrations, staff."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/events")
