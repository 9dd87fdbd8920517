"""Messages from an event's organizers to its people: write, preview, send, archive (docs/ARCHITECTURE.md)."""
