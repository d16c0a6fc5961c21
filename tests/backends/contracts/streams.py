"""A bot's event streams, at most ``--max-devices`` open at once, for both
back-ends: one process's memory and Redis, shared by every node.

The core decides (:mod:`chatroom.core.services.streams`), the back-end
counts: :class:`StreamsContract` opens and closes streams through the
REST API's calls for a bot (:class:`~chatroom.core.services.bot_api.BotAPI`:
what the door asks), and reads the count the back-end keeps
(:meth:`~chatroom.core.server.streams.StreamStore.open_streams`). It runs
on the in-process back-end (``tests/backends/local/test_streams.py``) and
on a real ``redis-server`` (``tests/backends/redis/test_streams.py``),
where a second node's streams count too, and its death frees them.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.handler import CONFIG, ContractBase
from tests.support import chat_core

#: Two streams a bot at most.
STREAMS_CONFIG = replace(CONFIG, max_devices=2)


def opened(server: DoorHub, bot: str = "robot") -> defer.Deferred[str]:
    """One more stream of ``bot`` asked for at ``server``: its id."""
    api = chat_core(server).bot_api
    return defer.Deferred.fromCoroutine(api.open_stream(bot))


def counted(server: DoorHub, bot: str = "robot") -> defer.Deferred[int]:
    """How many streams ``bot`` has open, as ``server``'s back-end counts."""
    streams = chat_core(server).backend.server.streams
    return defer.Deferred.fromCoroutine(streams.open_streams(bot))


class StreamsContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server`` (with
    :data:`STREAMS_CONFIG`)."""

    @defer.inlineCallbacks
    def refused(self, server: DoorHub, bot: str = "robot") -> Generator[Any, Any, None]:
        """One more stream of ``bot`` is refused ``TOO_MANY_DEVICES``."""
        failure = yield self.assertFailure(opened(server, bot), ChatError)
        self.assertEqual(failure.code, "TOO_MANY_DEVICES")
        self.assertIn("2 devices", failure.text)

    @defer.inlineCallbacks
    def ended(self, server: DoorHub, stream: str, bot: str = "robot"):
        """Stream ``stream`` ended at ``server``: the core is told, and
        the back-end has it closed once its write is done."""
        before = yield counted(server, bot)
        chat_core(server).bot_api.stream_ended(bot, stream)
        for _ in range(200):
            if (yield counted(server, bot)) < before:
                return
            yield self.wait()
        self.fail(f"stream {stream} of {bot} still counted")

    @defer.inlineCallbacks
    def test_the_limit_then_a_place_freed(self) -> Generator[Any, Any, None]:
        """Two streams open; a third is refused and counts nothing; one
        ended, another opens at once."""
        first = yield opened(self.server)
        yield opened(self.server)
        self.assertEqual((yield counted(self.server)), 2)
        yield self.refused(self.server)
        self.assertEqual((yield counted(self.server)), 2)
        yield self.ended(self.server, first)
        self.assertEqual((yield counted(self.server)), 1)
        yield opened(self.server)
        yield self.refused(self.server)

    @defer.inlineCallbacks
    def test_each_bot_its_own_limit(self) -> Generator[Any, Any, None]:
        """robot's two streams leave ROBOT2's places free; a bot's name is
        compared as names are (Robot is robot)."""
        yield opened(self.server, "robot")
        yield opened(self.server, "Robot")
        yield self.refused(self.server, "ROBOT")
        yield opened(self.server, "robot2")
        self.assertEqual((yield counted(self.server, "robot2")), 1)

    @defer.inlineCallbacks
    def test_a_stream_ended_twice_frees_one_place(
        self,
    ) -> Generator[Any, Any, None]:
        """The end of a stream told twice (or of one never opened) frees
        nothing more: the other stream still counts."""
        first = yield opened(self.server)
        yield opened(self.server)
        yield self.ended(self.server, first)
        chat_core(self.server).bot_api.stream_ended("robot", first)
        chat_core(self.server).bot_api.stream_ended("robot", "no-such-stream")
        yield self.wait()
        self.assertEqual((yield counted(self.server)), 1)
