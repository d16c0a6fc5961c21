"""The nicks gone, in Redis, for every node's ``WHOWAS``: the Redis
:class:`~chatroom.core.model.whowas.WhowasSteps`.

``P whowas:n`` is a list of name n's past holders, newest first, each the
JSON array ``[nick, user, realname, when]``: a departure pushes one, trims
the list to :data:`~chatroom.core.model.whowas.WHOWAS_PER_NAME` and sets it to
expire :data:`~chatroom.core.model.whowas.WHOWAS_SECONDS` later (one script:
``LPUSH``, ``LTRIM``, ``EXPIRE``); ``WHOWAS`` reads the first few (one
``LRANGE``). Neither looks at any other name. A departure's is kept in
the departures' turn (:mod:`.departures`): a crowd that quits at once
keeps its nicks a few at a time, not all in flight together.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.departure_queue import DepartureQueue
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, applies
from chatroom.core.model.changes.server import NameHolders, RememberGone
from chatroom.core.model.whowas import WHOWAS_PER_NAME, WHOWAS_SECONDS, Departed

#: Operands: name (a name key), entry (a nick gone, as a JSON list), cap
#: (the most entries a name keeps), seconds (how long they are kept).
REMEMBER = Script("whowas-remember")

#: Operands: name, count. The name's newest ``count`` entries.
RECALL = Script("whowas-recall")


class RedisWhowas:
    """A node's writes and reads of the nicks gone."""

    def __init__(self, calls: RedisCalls, departures: DepartureQueue) -> None:
        self.calls = calls
        self.departures = departures

    @applies(NameHolders)
    async def apply(self, change: DecidedChange) -> None:
        """A change of a :class:`~chatroom.core.model.changes.server.NameHolders`: one
        ``REMEMBER`` a departure, in the departures' turn."""
        assert isinstance(change.subject, NameHolders)
        key = change.subject.name
        for op in change.of(RememberGone):
            gone = op.gone
            entry = json.dumps([gone.nick, gone.user, gone.realname, gone.when])
            operands: dict[str, Any] = {"name": key, "entry": entry}
            operands.update(cap=WHOWAS_PER_NAME, seconds=WHOWAS_SECONDS)
            await self.departures.run(partial(self.calls.eval, REMEMBER, operands))

    async def recall(self, key: str, count: int) -> list[Departed]:
        read = {"name": key, "count": min(count, WHOWAS_PER_NAME)}
        entries = await self.calls.eval(RECALL, read)
        return [Departed(*json.loads(entry)) for entry in entries]
