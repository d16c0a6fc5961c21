"""Events counted in a sliding window in one process's memory, on the
injected clock: the contract, and the window's end."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.throttle import MemoryWindows, SharedWindows, counted
from tests.backends.contracts.windows import WINDOW, WindowsContract


class MemoryWindowsTests(WindowsContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.windows = MemoryWindows(self.clock)

    def counter(self) -> SharedWindows:
        return self.windows

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
