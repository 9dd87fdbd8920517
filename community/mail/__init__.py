"""Mail: the outbox, its delivery worker, and message composition."""
