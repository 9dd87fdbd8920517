"""Personal data across the domains: the member's download, account deletion, the retention
purge and the processing register (GDPR art. 30). The one package that reads every
domain's rows about a person; the pages and commands call it (docs/ARCHITECTURE.md)."""
