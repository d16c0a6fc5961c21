"""The machinery every wing runs on: the fan-out to members and seats, the
sessions, deciding again, throttles, hashing threads, the files' spool."""
