"""A resume's server step in chunks (:mod:`chatroom.backends.redis.resume_steps`),
its calls answered by the test: Redis runs one script at a time, and
when every node resumes together a node's call waits behind each other
node's script in flight. A resume's calls each carry at most
:data:`~chatroom.backends.redis.node_scripts.RESUME_CHUNK` users and go
one after another, so that a node waits behind a chunk of each other
node's, never behind their whole resumes (on a real redis-server:
``tests/cluster/test_resume_storm.py``).
"""

from __future__ import annotations

from typing import Any

from twisted.internet import defer
from twisted.trial import unittest

from chatroom.backends.redis import node_scripts
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.resume_steps import Held, HeldRoom, HeldUser, ResumeSteps

CHUNK = node_scripts.RESUME_CHUNK


class AnsweredCalls:
    """The calls a resume makes, each waiting for the test's answer."""

    rooms_apart = False

    def __init__(self) -> None:
        self.waiting: list[tuple[Script, dict[str, Any], defer.Deferred[Any]]] = []
        self.sent: list[tuple[Script, dict[str, Any]]] = []

    async def eval(
        self, script: Script, operands: dict[str, Any], always: bool = False
    ) -> Any:
        assert always, "a resume's calls run while the node does not serve"
        answer: defer.Deferred[Any] = defer.Deferred()
        self.waiting.append((script, operands, answer))
        self.sent.append((script, operands))
        return await answer

    def answer(self, reply: Any) -> tuple[Script, dict[str, Any]]:
        """The one call in flight answered with ``reply``; that call."""
        assert len(self.waiting) == 1, [call[0].name for call in self.waiting]
        script, args, answer = self.waiting.pop()
        answer.callback(reply)
        return script, args


HEAD = {"node": "n1", "ttl": 15000, "now": 0}


def held(users: int, rooms: int) -> Held:
    """``users`` users, each in room ``r{i % rooms}``, and those rooms."""
    return Held(
        [
            HeldUser(f"u{i}", f"n1:{i}", f"U{i}", "", [f"r{i % rooms}"])
            for i in range(users)
        ],
        [
            HeldRoom(f"r{r}", f"R{r}", "0", 100, "inc", "", 0, 1000)
            for r in range(rooms)
        ],
    )


class ChunkedResumeTests(unittest.TestCase):
    def test_the_server_step_is_chunks_one_after_another(self) -> None:
        """A node of 300 users in 3 rooms resumes: its ``RESUME`` calls
        carry 128, 128 and 44 users, then the rows, each sent once the
        one before is answered; then the index of its sessions a page a
        call, the entry it no longer holds dropped with the next page;
        the rooms' steps seat the users every chunk re-claimed there."""
        calls = AnsweredCalls()
        resume = defer.ensureDeferred(ResumeSteps(calls).run(HEAD, held(300, 3)))  # type: ignore[arg-type]
        for expected in (CHUNK, CHUNK, 300 - 2 * CHUNK):
            script, args = calls.waiting[0][:2]
            self.assertIs(script, node_scripts.RESUME)
            self.assertEqual(len(args["users"]), expected)
            seats = [
                [user[4][0].encode(), user[0].encode(), b"held", b"seat"]
                for user in args["users"]
            ]
            calls.answer([[], seats, [], [], []])
        script, args = calls.waiting[0][:2]
        self.assertIs(script, node_scripts.RESUME)
        self.assertEqual(args["users"], [])  # the rooms' rows
        self.assertEqual([row[0] for row in args["rooms"]], ["r0", "r1", "r2"])
        calls.answer([[], [], [], [], [7, 8, 9]])
        script, args = calls.answer([b"17", [b"0", b"u0", b"999", b"gone"], [], []])
        self.assertIs(script, node_scripts.RESUME_INDEX)
        self.assertEqual(args["cursor"], "0")
        self.assertEqual(args["count"], node_scripts.RESUME_PAGE)
        page = [b"1", b"u1", b"5", b"u1"]  # u1's session, and an older one
        script, args = calls.answer([b"0", page, [b"gone", b"n1:999"], []])
        self.assertEqual(args["cursor"], "17")
        self.assertEqual(args["drop"], [[b"999", b"gone"]])  # not the node's any more
        script, args = calls.answer([b"0", [], [], []])
        self.assertEqual(args["cursor"], "")  # read to its end: the last to drop
        self.assertEqual(args["drop"], [[b"5", b"u1"]])
        script, _ = calls.answer(1)
        self.assertIs(script, node_scripts.RESUME_END)
        steps = [args for _, args, _ in calls.waiting]
        self.assertEqual([step["room"] for step in steps], ["r0", "r1", "r2"])
        self.assertEqual(steps[0]["created"], 7)  # its creation number
        self.assertEqual(len(steps[0]["seats"]), 100)  # every chunk's users
        self.assertEqual(steps[0]["seats"][0], [b"u0", b"held", b"seat"])
        for _, _, answer in list(calls.waiting):
            answer.callback([b"r", b"inc", 1, []])
        resumed = self.successResultOf(resume)
        self.assertEqual(resumed.stale, [b"gone", b"n1:999"])
        self.assertEqual(resumed.named, [b"r0", b"r1", b"r2"])

    def test_a_node_with_nothing_still_registers(self) -> None:
        """A node holding no user and no room sends one ``RESUME`` (which
        registers it), then reads its index."""
        calls = AnsweredCalls()
        resume = defer.ensureDeferred(ResumeSteps(calls).run(HEAD, Held([], [])))  # type: ignore[arg-type]
        script, args = calls.answer([[], [], [], [], []])
        self.assertEqual(
            (script, args), (node_scripts.RESUME, {**HEAD, "users": [], "rooms": []})
        )
        calls.answer([b"0", [], [], []])
        calls.answer(1)
        self.assertEqual(self.successResultOf(resume).named, [])

    def test_ended_sessions_are_not_kept_in_the_index(self) -> None:
        """A user another node ended while this one was away (``RESUME``
        answers its token with the reason) is not the node's: its entry
        in the index goes to ``RESUME_INDEX`` to be let go, as one whose
        session the node no longer has."""
        calls = AnsweredCalls()
        resume = defer.ensureDeferred(ResumeSteps(calls).run(HEAD, held(2, 1)))  # type: ignore[arg-type]
        calls.answer([[b"n1:1 killed"], [], [], [], []])
        calls.answer([[], [], [], [], [0]])
        calls.answer([b"0", [b"0", b"u0", b"1", b"u1"], [], []])
        _, args = calls.answer([b"0", [], [b"u1", b"n1:1"], []])
        self.assertEqual(args["drop"], [[b"1", b"u1"]])
        calls.answer(1)
        calls.waiting.pop()[2].callback([b"r0", b"inc", 1, []])
        resumed = self.successResultOf(resume)
        self.assertEqual(resumed.failed, [b"n1:1 killed"])
        self.assertEqual(resumed.stale, [b"u1", b"n1:1"])
