"""Where shared state lives: in this process (local) or in Redis (redis)."""
