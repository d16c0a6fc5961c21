"""The wiring: options, services and the per-process hub (twistd chatroom)."""
