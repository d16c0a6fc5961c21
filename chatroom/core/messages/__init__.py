"""Messages: what is said, its life (replies, edits, redactions, reactions),
threads, pins, private messages, search, previews, retention, reports, quotes."""
