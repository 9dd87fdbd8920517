"""Check-in at the door: search, one tap, scan the ticket's QR code (docs/ARCHITECTURE.md)."""
