"""What every line-based door's connection shares: framing, send queue, timers."""
