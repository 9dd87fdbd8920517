"""Events: create, edit, publish, cancel; the public pages and calendar files; who runs
which event (docs/ARCHITECTURE.md)."""
