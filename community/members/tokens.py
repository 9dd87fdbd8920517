"""Signed, expiring, single-purpose links sent by mail.

Each purpose has its own salt, so a confirmation link can never reset a password.
Single use comes from what the token binds: confirmation is refused once the
address is confirmed; a reset token carries a fingerprint of the password hash
and the address, so it dies with any password change (including the reset it
performs) and with an email change; an email change token carries the old address.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM = "confirm-email"
RESET = "reset-password"
CHANGE_EMAIL = "change-email"


class TokenError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired", "invalid" or "used"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"community:{purpose}")


def password_fingerprint(password_hash: str, email: str) -> str:
    """Changes with the password and with the address: a reset link mailed to an
    address the member has since left must not open the account."""
    return hashlib.sha256(f"{password_hash}\n{email}".encode()).hexdigest()[:16]


def make(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, max_age_seconds: int) -> dict:
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
    if not isinstance(payload, dict):
        raise TokenError("invalid")
    return payload
