"""Pages that belong to no domain: home, language switch, privacy notice."""

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from community.core.clock import utcnow
from community.core.extensions import db
from community.core.security import safe_next
from community.members.access import anyone
from community.privacy.register import legal_basis, processings

bp = Blueprint("pages", __name__)


@bp.get("/")
@anyone
def home():
    return render_template("home.html")


@bp.post("/language")
@anyone
def language():
    chosen = request.form.get("lang", "")
    if chosen not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = chosen
    if current_user.is_authenticated and current_user.language != chosen:
        current_user.language = chosen
        db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("pages.home")))


@bp.get("/privacy")
@anyone
def privacy():
    return render_template("privacy.html")


@bp.get("/privacy/register")
@anyone
def privacy_register():
    return render_template(
        "privacy_register.html", processings=processings(current_app.config), legal_basis=legal_basis, now=utcnow()
    )
