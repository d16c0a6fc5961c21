"""Who held a name that is gone: IRC's ``WHOWAS``, the same on every node.

When an IRC user quits or changes its nick, its door hands the core what
the nick was (:class:`Departed`: the nick, the ``USER`` name, the
realname, when), and ``WHOWAS nick`` reads the nick's last holders back,
newest first (:meth:`chatroom.core.services.presence.PresenceService.who_was`). The
back-end keeps them (:class:`WhowasSteps`):

- in one process, in its memory: the last :data:`WHOWAS_KEPT` departures,
  whatever their names, as Ergo and most ircds keep them
  (:class:`chatroom.backends.local.whowas.MemoryWhowas`);
- in a cluster, in Redis, where every node reads them: one list per name
  key, capped at :data:`WHOWAS_PER_NAME` holders and dropped
  :data:`WHOWAS_SECONDS` after its last departure
  (:mod:`chatroom.backends.redis.whowas`). A write and a read name one key
  each: never a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: How many departures one process remembers, whatever their names.
WHOWAS_KEPT = 200
#: How many past holders of one name a cluster remembers.
WHOWAS_PER_NAME = 10
#: How long a cluster remembers a name's holders after the last one went.
WHOWAS_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Departed:
    """A nick as it was when its user quit or changed it."""

    nick: str
    user: str
    realname: str
    #: When it went, in the clock's seconds.
    when: float


class WhowasSteps(Protocol):
    """Where the nicks gone are read; a departure is kept by a change of a
    :class:`~chatroom.core.model.changes.server.NameHolders`
    (:class:`~chatroom.core.model.changes.server.RememberGone`), through
    :meth:`~chatroom.core.backend.Backend.apply`."""

    async def recall(self, key: str, count: int) -> list[Departed]:
        """Up to ``count`` past holders of the name ``key``, newest first."""
        ...
