"""Ticket categories of an event: quotas, who may take each, seats reserved until a release date."""
