"""The outbox page: mail delivery you can see."""
from flask import Blueprint

bp = Blueprint("outbox", __name__, url_prefix="/admin/outbox")
