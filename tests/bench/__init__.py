"""`make bench`: the registration rush over HTTP (not collected by pytest; see README.md)."""
