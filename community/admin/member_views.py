"""Member administration: list, roles, suspension, confirmation mails."""
from flask import Blueprint

bp = Blueprint("member_admin", __name__, url_prefix="/admin/members")
