"""Groups: see DESIGN.md."""
