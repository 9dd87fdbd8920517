"""The organizer's dashboard of one event: counts, chart, lists, hand operations, staff (docs/ARCHITECTURE.md)."""
