"""A member's own data: see what is held, download it, delete the account."""

import json

from flask import Response, redirect, render_template, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.members.access import anyone, member_required
from community.members.services import WrongPassword
from community.members.views import AUTH_LIMIT, bp, post_only
from community.privacy import account_deletion, personal_data


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Please enter your current password."))]
    )


@bp.get("/account/data")
@member_required
def my_data():
    counts = personal_data.summary(personal_data.personal_data(current_user))
    return render_template("members/my_data.html", counts=counts)


@bp.get("/account/data.json")
@member_required
def download_my_data():
    data = personal_data.personal_data(current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    filename = f"my-data-{utcnow():%Y-%m-%d}.json"
    return Response(
        body.encode("utf-8"),
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@member_required
@post_only(*AUTH_LIMIT)  # the password is guessed here too
def delete_account():
    form = DeleteAccountForm()
    problem = None
    if form.validate_on_submit():
        try:
            account_deletion.delete_account(current_user._get_current_object(), form.password.data)
        except WrongPassword as error:
            db.session.rollback()
            form.password.errors.append(str(error))
        except DomainError as error:  # the last administrator
            db.session.rollback()
            problem = str(error)
        else:
            db.session.commit()
            # As at logout: clear first, so the order to drop the remember cookie survives.
            session.clear()
            logout_user()
            return redirect(url_for("members.goodbye"))
    return render_template("members/delete_account.html", form=form, problem=problem)


@bp.get("/account/goodbye")
@anyone
def goodbye():
    return render_template("members/goodbye.html")
