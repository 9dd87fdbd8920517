"""Security basics shared by every blueprint: safe redirects and response headers."""

from urllib.parse import urlsplit

from flask import current_app, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'self'; "
    "object-src 'none'; frame-ancestors 'none'"
)


def safe_next(target: str | None, fallback: str) -> str:
    """Only a same-site path may be a redirect target; anything else falls back."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target or any(ord(c) < 32 for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def add_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint and request.method != "GET":
        response.headers.setdefault("Cache-Control", "no-store")
    # Over HTTPS (as the trusted proxy says) with secure cookies: browsers keep to HTTPS for a year.
    if request.is_secure and current_app.config.get("SESSION_COOKIE_SECURE"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
