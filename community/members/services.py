"""Member rules: accounts, email proof, passwords, email changes, roles. Plain functions; the caller commits.

Logging in (and its throttle) is in login.py."""

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from community.core.clock import utcnow
from community.core.errors import DomainError
from community.core.extensions import db
from community.mail.outbox import email_member, external_url
from community.members import devices, throttle, tokens
from community.members.forms import PASSWORD_MIN
from community.members.models import Member, Role
from community.members.passwords import hash_password, verify_password


class WrongPassword(DomainError):
    """The current password, asked again before a sensitive change, is wrong."""


class EmailTaken(DomainError):
    pass


def normalize_email(address: str) -> str:
    """Trim and case-fold: ' Ada@Example.org ' and 'ada@example.org' are one account."""
    return (address or "").strip().lower()


def check_email(address: str) -> str:
    """The normalized address, or DomainError with a message fit to show."""
    normalized = normalize_email(address)
    try:
        validate_email(normalized, check_deliverability=False)
    except EmailNotValidError as exc:
        raise DomainError(_l("This email address is not valid.")) from exc
    return normalized


def find_by_email(address: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == normalize_email(address)))


def create_member(*, email: str, display_name: str, password: str, language: str = "fr") -> Member:
    member = Member(
        email=check_email(email),
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        language=language,
        consent_at=utcnow(),
    )
    db.session.add(member)
    db.session.flush()
    return member


def sign_up(*, email: str, display_name: str, password: str, language: str) -> Member | None:
    """Create the account and queue the confirmation mail.

    When the address already has an account, nothing is created and the owner is
    told by mail instead, so the page answers the same either way.
    """
    existing = find_by_email(email)
    if existing is not None:
        email_member(
            existing,
            "account_exists",
            subject=_l("Someone tried to sign up with your address"),
            login_url=external_url("members.login"),
            reset_url=external_url("members.forgot_password"),
        )
        return None
    member = create_member(email=email, display_name=display_name, password=password, language=language)
    send_confirmation(member)
    return member


def mark_confirmed(member: Member) -> None:
    if member.confirmed_at is None:
        member.confirmed_at = utcnow()


def _link(endpoint: str, purpose: str, payload: dict) -> str:
    """The address of `endpoint` with a signed token for `purpose` that carries `payload`."""
    return external_url(endpoint, token=tokens.make(purpose, payload))


def _token_member(purpose: str, token: str, max_age_seconds: int) -> tuple[Member, dict]:
    """The member a link's token was made for, and its payload (TokenError when it is not theirs any more)."""
    payload = tokens.read(purpose, token, max_age_seconds)
    member = db.session.get(Member, payload.get("id"))
    if member is None:
        raise tokens.TokenError("invalid")
    return member, payload


def send_confirmation(member: Member) -> None:
    email_member(
        member,
        "confirm_email",
        subject=_l("Confirm your email address"),
        confirm_url=_link("members.confirm", tokens.CONFIRM, {"id": member.id, "email": member.email}),
        hours=current_app.config["CONFIRM_TOKEN_HOURS"],
    )


def confirm_email(token: str) -> Member:
    """Confirm the address the token was made for; a second use is refused."""
    member = peek_confirm_token(token)
    mark_confirmed(member)
    return member


def peek_confirm_token(token: str) -> Member:
    """Check a confirmation link without using it (the GET that shows the button)."""
    member, payload = _token_member(tokens.CONFIRM, token, current_app.config["CONFIRM_TOKEN_HOURS"] * 3600)
    if member.email != payload.get("email"):
        raise tokens.TokenError("invalid")
    if member.is_confirmed:
        raise tokens.TokenError("used")
    return member


def set_password(member: Member, new_password: str) -> None:
    """Any password change ends other sessions and kills outstanding reset links."""
    member.password_hash = hash_password(new_password)
    member.password_changed_at = utcnow()
    end_other_sessions(member)
    throttle.forget_all(member)


def end_other_sessions(member: Member) -> None:
    """Every session and remember-me cookie issued so far stops working (a lost
    phone, a shared computer): their rows are deleted and the version bumped; the
    caller starts a fresh one for this device."""
    devices.end_all(member)
    member.session_version += 1


def change_password(member: Member, current_password: str, new_password: str) -> None:
    if not verify_password(member.password_hash, current_password):
        raise WrongPassword(_l("Your current password is not correct."))
    set_password(member, new_password)


def request_password_reset(email: str) -> None:
    """Mail a reset link when the address has an account; say nothing either way."""
    member = find_by_email(email)
    if member is None or not member.is_active:
        return
    fingerprint = tokens.password_fingerprint(member.password_hash, member.email)
    email_member(
        member,
        "reset_password",
        subject=_l("Reset your password"),
        reset_url=_link("members.reset_password", tokens.RESET, {"id": member.id, "pw": fingerprint}),
        minutes=current_app.config["RESET_TOKEN_MINUTES"],
    )


def member_for_reset(token: str) -> Member:
    member, payload = _token_member(tokens.RESET, token, current_app.config["RESET_TOKEN_MINUTES"] * 60)
    if payload.get("pw") != tokens.password_fingerprint(member.password_hash, member.email):
        raise tokens.TokenError("used")
    return member


def reset_password(token: str, new_password: str) -> Member:
    member = member_for_reset(token)
    set_password(member, new_password)
    # Following the link proved the address too.
    mark_confirmed(member)
    return member


def request_email_change(member: Member, new_email: str, password: str) -> None:
    """Send a proof link to the new address; the address changes only when it is followed."""
    if not verify_password(member.password_hash, password):
        raise WrongPassword(_l("Your current password is not correct."))
    new_email = check_email(new_email)
    if new_email == member.email:
        raise DomainError(_l("This is already your address."))
    # Said plainly: only a logged-in member who typed their password (and within
    # the rate limit) learns it, and a link that can never work helps no one.
    _refuse_taken(new_email)
    email_member(
        member,
        "change_email",
        to=new_email,
        subject=_l("Confirm your new email address"),
        confirm_url=_link(
            "members.confirm_email_change",
            tokens.CHANGE_EMAIL,
            {"id": member.id, "old": member.email, "new": new_email},
        ),
        hours=current_app.config["CONFIRM_TOKEN_HOURS"],
    )


def email_change_payload(token: str) -> tuple[Member, str]:
    member, payload = _token_member(tokens.CHANGE_EMAIL, token, current_app.config["CONFIRM_TOKEN_HOURS"] * 3600)
    if member.email != payload.get("old"):
        raise tokens.TokenError("used")
    return member, payload["new"]


def confirm_email_change(token: str) -> Member:
    member, new_email = email_change_payload(token)
    _refuse_taken(new_email)  # someone may have signed up with it since the link was sent
    old_email = member.email
    member.email = new_email
    mark_confirmed(member)
    email_member(
        member,
        "email_changed",
        to=old_email,
        subject=_l("Your email address was changed"),
        new_email=new_email,
    )
    return member


def _refuse_taken(email: str) -> None:
    if find_by_email(email) is not None:
        raise EmailTaken(_l("Another account already uses this address."))


def update_profile(
    member: Member, *, display_name: str, organization: str, bio: str, directory_visible: bool, language: str
) -> None:
    member.display_name = display_name.strip()
    member.organization = organization.strip()
    member.bio = bio.strip()
    member.directory_visible = directory_visible
    member.language = language


def make_admin(email: str, *, name: str | None, password: str | None) -> Member:
    """A confirmed admin: a new account, or an existing member promoted (their
    password is replaced only when one is given)."""
    if password is not None and len(password) < PASSWORD_MIN:
        raise DomainError(_l("Use at least %(min)d characters.", min=PASSWORD_MIN))
    member = find_by_email(email)
    if member is None:
        if not password:
            raise DomainError(_l("Please choose a password."))
        email = check_email(email)
        member = create_member(email=email, display_name=name or email.split("@")[0], password=password, language="fr")
    elif password:
        set_password(member, password)
    member.role = Role.ADMIN.value
    mark_confirmed(member)
    return member


def set_role(member: Member, role: Role) -> None:
    member.role = Role(role).value
