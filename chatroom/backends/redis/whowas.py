"""The nicks gone, in Redis, for every node's ``WHOWAS``: the Redis
:class:`~chatroom.core.whowas.WhowasSteps`.

``P whowas:n`` is a list of name n's past holders, newest first, each the
JSON array ``[nick, user, realname, when]``: a departure pushes one, trims
the list to :data:`~chatroom.core.whowas.WHOWAS_PER_NAME` and sets it to
expire :data:`~chatroom.core.whowas.WHOWAS_SECONDS` later (one script:
``LPUSH``, ``LTRIM``, ``EXPIRE``); ``WHOWAS`` reads the first few (one
``LRANGE``). Neither looks at any other name. A departure's is kept in
the departures' turn (:mod:`.departures`): a crowd that quits at once
keeps its nicks a few at a time, not all in flight together.
"""

from __future__ import annotations

import json
from functools import partial

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.departure_queue import DepartureQueue
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.server import NameHolders, RememberGone
from chatroom.core.whowas import WHOWAS_PER_NAME, WHOWAS_SECONDS, Departed

#: ARGV: P, n, entry, cap, seconds.
REMEMBER = Script("whowas-remember")

#: ARGV: P, n, count. n's newest ``count`` entries.
RECALL = Script("whowas-recall")


class RedisWhowas:
    """A node's writes and reads of the nicks gone."""

    def __init__(self, calls: RedisCalls, departures: DepartureQueue) -> None:
        self.calls = calls
        self.departures = departures

    async def apply(self, change: DecidedChange) -> None:
        """A change of a :class:`~chatroom.core.model.changes.server.NameHolders`: one
        ``REMEMBER`` a departure, in the departures' turn."""
        assert isinstance(change.subject, NameHolders)
        key = change.subject.name
        for op in change.of(RememberGone):
            gone = op.gone
            entry = json.dumps([gone.nick, gone.user, gone.realname, gone.when])
            await self.departures.run(
                partial(
                    self.calls.eval,
                    REMEMBER,
                    key,
                    entry,
                    WHOWAS_PER_NAME,
                    WHOWAS_SECONDS,
                )
            )

    async def recall(self, key: str, count: int) -> list[Departed]:
        entries = await self.calls.eval(RECALL, key, min(count, WHOWAS_PER_NAME))
        return [Departed(*json.loads(entry)) for entry in entries]
