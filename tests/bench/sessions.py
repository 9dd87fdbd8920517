"""Logged-in sessions for the rush's registrants, prepared before the timed part.

`http` (the default) logs every member in like a browser: GET the login page,
POST the credentials (argon2 verify), GET the event page for the register
form's CSRF token. `forge` builds the same cookie without the round trips,
with the app's own code (flask_login.login_user, flask_wtf.csrf.generate_csrf,
the app's session serializer) and the run's SECRET_KEY: useful when iterating
on the timed part, since 2,000 argon2 logins take about two minutes on 2 cores.
"""

import re

from sqlalchemy import select

from tests.bench.load import USER_AGENT  # Flask-Login binds the session to it


def log_in(http, email: str, password: str, slug: str) -> dict:
    """One member through the real login form, then the event page for the token."""
    _status, cookie, body = http.send("GET", "/members/login")
    status, cookie, _body = http.send(
        "POST",
        "/members/login",
        cookie=cookie,
        form={"email": email, "password": password, "csrf_token": csrf_token_in(body)},
    )
    if status != 302 or not cookie:
        raise RuntimeError(f"login of {email} answered {status}")
    status, new_cookie, body = http.send("GET", f"/events/{slug}", cookie=cookie)
    if status != 200:
        raise RuntimeError(f"event page answered {status} for {email}")
    return {"cookie": new_cookie or cookie, "csrf_token": csrf_token_in(body)}


def csrf_token_in(html: bytes) -> str:
    found = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no csrf_token in the page")
    return found.group(1).decode()


def forge(app, emails: list[str]) -> list[dict]:
    """The cookie a real login then a visit of the event page would leave, signed with the app's key."""
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    from community.core.extensions import db
    from community.members import devices
    from community.members.models import Member

    serializer = app.session_interface.get_signing_serializer(app)
    with app.app_context():
        members = {m.email: m for m in db.session.scalars(select(Member).where(Member.email.in_(emails)))}
        for member in members.values():
            devices.begin(member, USER_AGENT)  # the device session a real login writes (its token in get_id)
        db.session.commit()
        for member in members.values():
            db.session.refresh(member)
        db.session.remove()  # the members stay loaded, detached
        db.engine.dispose()
    sessions = []
    for email in emails:
        # A request context (and app context, so a fresh `g` for the CSRF token) per member, with the
        # clients' remote address and User-Agent so Flask-Login's session identifier matches theirs.
        with app.test_request_context(environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}):
            login_user(members[email])
            session["lang"] = members[email].language
            token = generate_csrf()
            sessions.append({"cookie": serializer.dumps(dict(session)), "csrf_token": token})
    return sessions
