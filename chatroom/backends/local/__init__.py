"""The in-process back-end: rooms in memory, kept in SQLite (--db)."""
