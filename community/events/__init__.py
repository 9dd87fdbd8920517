"""Events: see DESIGN.md."""
