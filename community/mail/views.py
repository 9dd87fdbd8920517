"""Mail pages (the admin outbox arrives with the admin issue)."""
from flask import Blueprint

bp = Blueprint("mail", __name__, url_prefix="/mail")
