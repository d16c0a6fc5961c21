"""What every door shares: the per-process hub, and its connections' framing,
send queue and timers."""
