"""Reactions on a log line (``REACT`` and ``UNREACT``, protocol.md,
*Messages with a life*), as pure functions of a :class:`LogEntry`.

A line keeps, for each emoji, the users who gave it, in the order the
emoji first came; the screen shows each with its count (``👍 2``). The
server relays a reaction once, but a replay after a rejoin may bring one
the line already has: adding it again, or taking back one that is not
there, changes nothing, so replays are safe to apply twice.
"""

from __future__ import annotations

from dataclasses import replace

from chatroom.client.entries import LogEntry


def reacted(entry: LogEntry, emoji: str, user: str, given: bool) -> LogEntry:
    """``entry`` with ``user``'s ``emoji`` given (True) or taken back (False)."""
    reactions: list[tuple[str, tuple[str, ...]]] = []
    found = False
    for each, users in entry.reactions:
        if each == emoji:
            found = True
            if given and user not in users:
                users = (*users, user)
            elif not given:
                users = tuple(name for name in users if name != user)
        if users:
            reactions.append((each, users))
    if given and not found:
        reactions.append((emoji, (user,)))
    return replace(entry, reactions=tuple(reactions))


def own_reactions(entry: LogEntry, user: str | None) -> list[str]:
    """The emoji ``user`` gave ``entry`` (for taking one back)."""
    return [emoji for emoji, users in entry.reactions if user in users]


def summary(entry: LogEntry) -> str:
    """The reactions as the log shows them: ``👍 2  :tea: 1``."""
    return "  ".join(f"{emoji} {len(users)}" for emoji, users in entry.reactions)
