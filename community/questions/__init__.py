"""Questions an event asks at registration, and the answers people give."""
