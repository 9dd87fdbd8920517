"""The core: what every domain stands on (time, database, errors, audit, text, security)."""
