"""Registrations: the seat engine, the waiting list, guest holds, tickets, cancel links,
reminders (docs/ARCHITECTURE.md)."""
