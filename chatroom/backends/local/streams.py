"""The bots' event streams in one process: the local
:class:`~chatroom.core.server.streams.StreamStore`.

One process is the whole server, so the streams it holds open are all
there are. They are kept in memory only: a stream is a connection, and a
restart (the only way this node dies) has closed every one, so nothing is
written to ``--db``. Nothing here waits, so a change
(:meth:`LocalStreams.apply`) checks its premise and performs its
operations in one call.
"""

from __future__ import annotations

from chatroom.core.model.changes.base import (
    DecidedChange,
    PremiseFailedError,
    account_of,
    applies,
)
from chatroom.core.model.changes.streams import (
    BotStreams,
    CloseStream,
    FewerStreamsThan,
    OpenStream,
)


class LocalStreams:
    """Bot key → the ids of its streams open here."""

    def __init__(self) -> None:
        self.by_bot: dict[str, set[str]] = {}

    async def open_streams(self, bot: str) -> int:
        return len(self.by_bot.get(bot, ()))

    @applies(BotStreams)
    async def apply(self, change: DecidedChange) -> None:
        bot = account_of(change, BotStreams)
        streams = self.by_bot.get(bot, set())
        for premise in change.premises:
            if not isinstance(premise, FewerStreamsThan):
                raise TypeError(f"not a premise of a bot's streams: {premise!r}")
            if len(streams) >= premise.count:
                raise PremiseFailedError(None, premise)
        for op in change.ops:
            if isinstance(op, OpenStream):
                streams.add(op.stream)
            elif isinstance(op, CloseStream):
                streams.discard(op.stream)
            else:
                raise TypeError(f"not an operation on a bot's streams: {op!r}")
        if streams:
            self.by_bot[bot] = streams
        else:
            self.by_bot.pop(bot, None)
