"""Accounts' read markers in Redis.

:class:`RedisMarkers` is the cluster's :class:`MarkerStore`.

One hash per account, ``P markers:<account key>``: room key → the id of
the newest event read there. Every node reads and moves the same markers,
so a device on any node sees where the account is; moving one forward is
one script that checks the move's premise (the core's
:class:`~chatroom.core.model.changes.settings.MarkerAtMost`: markers only move forward,
:func:`chatroom.core.accounts.markers.advance`), so two devices racing leave the
larger id. The same script
tells the account's sessions on the other nodes the marker (the core's
``MarkerMoved``), as the sender's copy of a private message is told them
(:mod:`chatroom.backends.redis.other_nodes`): on each one's node channel,
with no second round trip, so an account with one session pays only a
read of who holds it.
"""

from __future__ import annotations

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError, applies
from chatroom.core.model.changes.settings import AccountMarkers

#: Operands: ``change`` (an account's read markers': a marker set, resting
#: on its being at most the id, or none; the account's sessions on other
#: nodes told, a ``MarkerMoved``, on their nodes' channels, after what was
#: told them before, their private messages, before what comes after).
#: Answers ``OK``, or ``CHANGED``, the failed premise's place and the
#: marker in force; ``OK`` and nothing kept for an account no longer
#: registered (see :mod:`chatroom.core.policy.userdata`, *What a deletion takes*).
ADVANCE = Script("marker-advance", subjects=(AccountMarkers,))

#: Operands: account. Every marker of the account: room, id, room, id...
MARKERS = Script("markers")


class RedisMarkers:
    """Read markers of accounts, kept in Redis (one round trip each)."""

    def __init__(self, calls: RedisCalls) -> None:
        self.calls = calls

    async def markers(self, account: str) -> dict[str, int]:
        flat = await self.calls.eval(MARKERS, {"account": account})
        return {flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    @applies(AccountMarkers)
    async def apply(self, change: DecidedChange) -> None:
        """One ``ADVANCE``: the premise checked and the marker set, the
        other nodes told, in one script."""
        assert isinstance(change.subject, AccountMarkers)
        reply = await self.calls.eval(ADVANCE, {"change": change})
        if reply[0] != b"OK":
            failed = change.premises[int(reply[1]) - 1]
            raise PremiseFailedError(int(reply[2]), failed)
