"""A bot's event streams, at most ``--max-devices`` at once over every node.

The REST API's ``GET /api/v1/events`` holds a connection open for as long
as the bot reads it. A bot may have as many streams open at once as an
account may have devices (``--max-devices``), counted over every node of
a cluster: the rule is this service's, the count the back-end's
(:class:`~chatroom.core.server.streams.StreamStore`). A stream asked for
is read, decided and applied as every write is: refused
``TOO_MANY_DEVICES`` if the bot has the limit open, else one
:class:`~chatroom.core.model.changes.streams.BotStreams` change opening
it on the premise that the bot still has fewer
(:class:`~chatroom.core.model.changes.streams.FewerStreamsThan`); two
asked at once on two nodes meet in the back-end, and the one that finds
the limit reached is decided again on the count as it now is, and
refused. A stream that ends (its connection lost, or closed by the
server) is closed at once, with no premise. A stream whose node dies
holds nothing: the back-end ties each to its node, as it ties the node's
sessions (:mod:`chatroom.core.server.streams`).

It never asks which door a stream came through: the door is handed the
stream's id to close it with, and a refusal to show.
"""

from __future__ import annotations

import secrets

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.streams import (
    BotStreams,
    CloseStream,
    FewerStreamsThan,
    OpenStream,
)
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.text import name_key
from chatroom.core.server.streams import StreamStore


def new_stream_id() -> str:
    """A stream's id: letters and digits, unique in the cluster for its life."""
    return secrets.token_hex(8)


def opening(bot: str, stream: str, open_now: int, limit: int) -> DecidedChange:
    """Open stream ``stream`` of bot ``bot``, which has ``open_now`` open:
    ``TOO_MANY_DEVICES`` if that is ``limit`` already; resting on its
    having fewer than ``limit`` still."""
    if open_now >= limit:
        raise errors.too_many_devices(bot, limit)
    return DecidedChange(
        BotStreams(name_key(bot)), (FewerStreamsThan(limit),), (OpenStream(stream),)
    )


def closing(bot: str, stream: str) -> DecidedChange:
    """Close stream ``stream`` of bot ``bot`` (it has ended): no premise."""
    return DecidedChange(BotStreams(name_key(bot)), (), (CloseStream(stream),))


class EventStreams:
    """The bots' event streams, opened under the limit and closed."""

    log = Logger()

    def __init__(
        self, config: ServerConfig, store: StreamStore, apply: Applies
    ) -> None:
        """Args:
        config: its ``max_devices``, the most streams a bot has open.
        store: the streams open now, on every node.
        apply: the back-end's one write.
        """
        self.config = config
        self.store = store
        self.apply = apply

    async def open(self, bot: str) -> str:
        """One more stream of ``bot`` open: its id, for :meth:`close`.

        Raises:
            ChatError: ``TOO_MANY_DEVICES`` (the bot has ``--max-devices``
                streams open on the live nodes), ``UNAVAILABLE``.
        """
        stream = new_stream_id()
        limit = self.config.max_devices

        async def attempt() -> None:
            open_now = await self.store.open_streams(name_key(bot))
            await self.apply(opening(bot, stream, open_now, limit))

        await retried(attempt)
        return stream

    def close(self, bot: str, stream: str) -> None:
        """Stream ``stream`` of ``bot`` has ended: its place is free at
        once (nobody waits; a failure is logged, and the stream is
        forgotten with its node at the latest)."""
        done = Deferred.fromCoroutine(self.apply(closing(bot, stream)))
        done.addErrback(
            lambda failure: self.log.warn(
                "the end of a stream of {bot} not kept: {why}",
                bot=bot,
                why=failure.getErrorMessage(),
            )
        )
