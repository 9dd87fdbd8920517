"""Admin: member admin, exports, the mail outbox page and the audit log (docs/ARCHITECTURE.md)."""
