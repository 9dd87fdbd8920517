"""A member's own data: download it, delete the account; the processing register."""
from flask import Blueprint

bp = Blueprint("my_data", __name__, url_prefix="/account")
