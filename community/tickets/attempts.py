"""How often a client may try an invitation code: per client address, across every page a
code can be typed into (the invitation page, registering, the guest form), with a code only."""

from flask import request

from community.core.extensions import limiter

CODE_ATTEMPTS = limiter.shared_limit(
    "5 per minute;30 per hour", scope="invitation-codes", exempt_when=lambda: not request.values.get("code")
)
