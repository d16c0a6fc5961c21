"""The wiring: options, services, and which back-end and doors run (twistd chatroom)."""
