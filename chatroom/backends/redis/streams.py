"""The bots' event streams in a cluster: the Redis
:class:`~chatroom.core.server.streams.StreamStore`.

A bot's open streams are one hash on the server's slot, ``P
streams:<bot>``: stream id → the node that opened it; each node keeps an
index of the bots it has streams of, ``P node-streams:<node>``. A change
is one script (``streams-apply``): its premise (the prelude's
interpreter: fewer streams than the core's limit, counted over the live
nodes) checked and its operations applied, so two streams asked at once
on two nodes meet in Redis and one of them is refused.

A stream lives with its node, as the node's census does
(:mod:`.census`): a node whose heartbeat is gone (and that is not
stalled) counts none of its streams from that moment, the last step of
its harvest (``HARVESTED``, of a dead node or of one's own departure)
forgets them by its index, and a node that resumes writes its own again
(:meth:`RedisStreams.republish`: a harvest may have forgotten them while
it was out of touch).
"""

from __future__ import annotations

from twisted.internet.defer import Deferred
from twisted.logger import Logger

from chatroom.backends.redis.calls import RedisCalls
from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.base import DecidedChange, account_of, applies
from chatroom.core.model.changes.streams import BotStreams, CloseStream, OpenStream

#: Operands: ``change`` (a bot's streams'), node. ``CHANGED`` and the
#: failed premise's place, or ``OK``.
STREAMS_APPLY = Script("streams-apply", subjects=(BotStreams,))

#: Operands: bot. How many streams it has open on the live nodes.
STREAMS_OPEN = Script("streams-open")

#: Operands: node, streams (``[bot, stream]`` each). ``OK``.
STREAMS_REPUBLISH = Script("streams-republish")


class RedisStreams:
    """This node's side of the bots' streams: each change one script, and
    the streams open here, written again after a resume."""

    log = Logger()

    def __init__(self, calls: RedisCalls, node: str) -> None:
        self.calls = calls
        self.node = node
        #: Bot key → its streams open on this node, as applied.
        self.here: dict[str, set[str]] = {}

    async def open_streams(self, bot: str) -> int:
        return int(await self.calls.eval(STREAMS_OPEN, {"bot": bot}))

    @applies(BotStreams)
    async def apply(self, change: DecidedChange) -> None:
        """The change in one script (``CHANGED``: the bot has its limit).
        A stream closed is no longer this node's even if Redis could not be
        told (a resume makes Redis agree: :meth:`republish`)."""
        bot = account_of(change, BotStreams)
        kept = self.here.get(bot, set())
        kept.difference_update(op.stream for op in change.of(CloseStream))
        if not kept:
            self.here.pop(bot, None)
        operands = {"change": change, "node": self.node}
        await self.calls.step(STREAMS_APPLY, operands, refusals={})
        opened = [op.stream for op in change.of(OpenStream)]
        if opened:
            self.here.setdefault(bot, set()).update(opened)

    def republish(self) -> None:
        """The node resumed (or joined: a node of the same id before it may
        have left streams): Redis is made to agree with the streams open
        here (it may have lost them, a harvest may have forgotten them, a
        stream may have closed while Redis could not be told). Sent before
        the node serves again, so no stream opened after it comes first."""
        streams = [[bot, s] for bot, open_ in self.here.items() for s in open_]
        operands = {"node": self.node, "streams": streams}
        writing = self.calls.eval(STREAMS_REPUBLISH, operands, always=True)
        done = Deferred.fromCoroutine(writing)
        done.addErrback(
            lambda failure: self.log.warn(
                "event streams not written again: {why}",
                why=failure.getErrorMessage(),
            )
        )
