"""A bot's event streams as a back-end keeps them: :class:`StreamStore`.

The REST API's event streams (``GET /api/v1/events``) of one bot are
counted over every node, so that ``--max-devices`` holds for the whole
cluster and not per node. A stream is opened and closed only by the
back-end's one ``apply`` of a
:class:`~chatroom.core.model.changes.streams.BotStreams` change the core
decided (:mod:`chatroom.core.services.streams`); this is what the core
reads of them.

A stream lives with the node that opened it. One process keeps its
streams in memory (:mod:`chatroom.backends.local.streams`): a restart has
none, as every connection was closed. A cluster keeps them in Redis, each
under the node that opened it (:mod:`chatroom.backends.redis.streams`): a
node whose heartbeat is gone stops counting them at once, and its harvest,
or its own departure, forgets them.
"""

from __future__ import annotations

from typing import Protocol


class StreamStore(Protocol):
    """The bots' open event streams, on every node."""

    async def open_streams(self, bot: str) -> int:
        """How many streams bot ``bot`` (its name key) has open on the
        live nodes."""
        ...
