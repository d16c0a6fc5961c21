"""The core: what every door and back-end shares, and every rule, once."""
