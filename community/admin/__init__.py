"""Admin: see DESIGN.md."""
