"""Events counted in a sliding window by the in-process back-end, in its
memory on the injected clock: the contract, and the window's end."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.infra.throttle import SharedWindows, counted
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.windows import WINDOW, WindowsContract
from tests.support import chat_core, local_server


class LocalWindowsTests(WindowsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)

    def counter(self) -> SharedWindows:
        return chat_core(self.server).backend

    @defer.inlineCallbacks
    def test_a_place_is_free_once_its_event_leaves_the_window(
        self,
    ) -> Generator[Any, Any, None]:
        """With the one place of a window taken, the wait shrinks as the
        clock moves; once the window has passed, the place is free."""
        yield self.applied(counted("k", 1, WINDOW))
        self.clock.advance(WINDOW - 10)
        self.assertEqual((yield self.refused(counted("k", 1, WINDOW))), 10)
        self.clock.advance(10)
        yield self.applied(counted("k", 1, WINDOW))

    @defer.inlineCallbacks
    def test_an_id_counted_is_counted_again_once_out_of_the_window(
        self,
    ) -> Generator[Any, Any, None]:
        """An event's id counted stays counted for its window: once the
        window has passed, it is counted again, as a new event would be."""
        yield self.applied(counted("k", 1, WINDOW, "$e1"))
        self.clock.advance(WINDOW - 1)
        yield self.applied(counted("k", 1, WINDOW, "$e1"))
        yield self.refused(counted("k", 1, WINDOW, "$e2"))
        self.clock.advance(1)
        yield self.applied(counted("k", 1, WINDOW, "$e1"))
        yield self.refused(counted("k", 1, WINDOW, "$e2"))
