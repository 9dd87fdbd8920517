"""The ticket's QR code: the check-in URL of its code, which a staff phone's camera opens.

One function for every place that shows it (the ticket page, the printed badges), so a
code scanned from either opens the same page."""

import segno

from community.mail.outbox import external_url


def scan_url(ticket_code: str) -> str:
    """Built from BASE_URL, never from the request's Host header: a printed code outlives the request."""
    return external_url("checkin.scan", code=ticket_code)


def make(ticket_code: str) -> segno.QRCode:
    """Error correction M: still read with a fold or a scratch, small enough for a badge."""
    return segno.make(scan_url(ticket_code), error="m")
