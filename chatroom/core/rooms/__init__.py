"""Rooms and seating: joins, creates and leaves decided, membership, the
lobby's list, sessions' departures and rooms' successions, webhooks."""
