"""The core: what every domain stands on (time, database and locking, errors, audit, text,
security). It imports no domain (docs/ARCHITECTURE.md)."""
