"""The core's values: what a decision is made on and what it decides,
plain data that every wing of the core reads and no rule lives in."""
