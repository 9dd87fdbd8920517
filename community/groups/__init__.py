"""Working groups and their memberships, leads and announcements (docs/ARCHITECTURE.md)."""
