"""One room list read for the users who asked at once (``SharedRead``).

A connect storm asks a node for the room list hundreds of times a second;
these tests feed :class:`~chatroom.backends.redis.shared_read.SharedRead` reads
that the test answers by hand, and check that callers share reads, and that
none is answered by a read that started before it asked (a room it had
just made would be missing from its list).
"""

from __future__ import annotations

from typing import Any

from twisted.internet.defer import Deferred
from twisted.trial import unittest

from chatroom.backends.redis.shared_read import SharedRead


class HandAnsweredReads:
    """Reads that stay open until the test answers them, oldest first."""

    def __init__(self) -> None:
        self.open: list[Deferred[str]] = []

    async def read(self) -> str:
        reading: Deferred[str] = Deferred()
        self.open.append(reading)
        return await reading

    def answer(self, value: str) -> None:
        self.open.pop(0).callback(value)

    def fail(self) -> None:
        self.open.pop(0).errback(ConnectionError("Redis went away"))


def answers(asked: Deferred[Any]) -> list[Any]:
    got: list[Any] = []
    asked.addBoth(got.append)
    return got


class SharedReadTests(unittest.TestCase):
    """Who gets which read."""

    def setUp(self) -> None:
        self.reads = HandAnsweredReads()
        self.shared = SharedRead(self.reads.read)

    def test_a_lone_caller_gets_its_own_read(self) -> None:
        """One caller, one read, its answer."""
        got = answers(self.shared())
        self.assertEqual(len(self.reads.open), 1)
        self.reads.answer("rooms v1")
        self.assertEqual(got, ["rooms v1"])

    def test_callers_during_a_read_share_the_next_one(self) -> None:
        """Those who asked while a read ran get the next read, one for all
        of them, started only when the running one ended."""
        first = answers(self.shared())
        later = [answers(self.shared()) for _ in range(3)]
        self.assertEqual(len(self.reads.open), 1)  # nothing more yet
        self.reads.answer("before the new room")
        self.assertEqual(first, ["before the new room"])
        self.assertEqual(later, [[], [], []])  # not answered by an older read
        self.assertEqual(len(self.reads.open), 1)  # the next, shared read
        self.reads.answer("with the new room")
        self.assertEqual(later, [["with the new room"]] * 3)
        self.assertEqual(self.reads.open, [])

    def test_a_failed_read_fails_its_callers_only(self) -> None:
        """A read that fails (Redis gone) fails the callers it was for; the
        next callers get a read of their own."""
        first, second = answers(self.shared()), answers(self.shared())
        self.reads.fail()
        self.assertEqual(len(first), 1)
        self.assertTrue(first[0].check(ConnectionError))
        self.assertEqual(second, [])
        self.reads.answer("rooms")
        self.assertEqual(second, ["rooms"])

    def test_a_caller_may_ask_again_from_its_answer(self) -> None:
        """Asking again while being answered starts a fresh read."""
        again: list[list[Any]] = []
        self.shared().addCallback(lambda _: again.append(answers(self.shared())))
        self.reads.answer("first")
        self.assertEqual(again, [[]])
        self.reads.answer("second")
        self.assertEqual(again, [["second"]])
