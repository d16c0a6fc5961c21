"""Two nodes on a Redis that has no functions, as Redis 6 has none.

The nodes call their busiest script (a message's) as a Redis function
(``FCALL``), whose library they load once, and every other script by its
SHA-1 (``EVALSHA``). A Redis older than 7.0 answers ``FCALL`` and
``FUNCTION`` with ``unknown command``; so does this one, a real
``redis-server`` with both commands renamed away. The nodes must notice
it at the first message and send every script by ``EVALSHA`` and
``EVAL`` from then on, with nothing a user sees changed: messages, a
keyed line said once, history and a join's replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import txredisapi
from twisted.internet import defer

from tests.cluster.sentinels import ask
from tests.cluster.support import ClusterTestCase, RedisProcess, free_port

#: redis-server's options that make it answer ``FCALL`` and ``FUNCTION``
#: as a Redis without functions does: ``unknown command``.
WITHOUT_FUNCTIONS = (
    "--rename-command", "FCALL", "",
    "--rename-command", "FUNCTION", "",
)  # fmt: skip


def said(name: str, text: str) -> Callable[[str], bool]:
    """Whether a line is ``name``'s ``text`` in tea (after its time)."""
    return lambda line: (
        line.startswith(f"MSG tea {name} ") and line.split(" ", 4)[4] == text
    )


def calls_of(stats: bytes) -> dict[str, int]:
    """``INFO commandstats``: how many times Redis ran each command."""
    counted = {}
    for line in stats.decode().splitlines():
        if line.startswith("cmdstat_"):
            name, _, fields = line[len("cmdstat_") :].partition(":")
            counted[name] = int(fields.split(",")[0].partition("=")[2])
    return counted


class RedisWithoutFunctionsTests(ClusterTestCase):
    """Two nodes on a Redis that refuses ``FCALL`` and ``FUNCTION``."""

    @defer.inlineCallbacks
    def start_redis(self) -> Any:
        self.redis = RedisProcess(free_port(), options=WITHOUT_FUNCTIONS)
        self.redis_url = self.redis.url
        yield self.redis.start()
        self.addCleanup(self.redis.stop)

    @defer.inlineCallbacks
    def test_everything_said_as_with_functions(self) -> Any:
        """alice (on one node) and bob (on the other) talk in tea; alice's
        keyed line, sent twice, is acknowledged twice under one id and
        shown to bob once; carol, joining later, is replayed all of it in
        order. Redis ran no function: every script went by ``EVALSHA``
        or ``EVAL``."""
        calling = ask(self.redis.port, "FCALL", "say", "0")
        refused = yield self.assertFailure(calling, txredisapi.ResponseError)
        self.assertIn("unknown command", str(refused))  # as Redis 6 answers
        _one, two, alice, bob = yield self.alice_and_bob_in("tea")
        alice.say("hello bob")
        yield bob.expect(said("alice", "hello bob"))
        bob.say("hello alice")
        yield alice.expect(said("bob", "hello alice"))
        alice.say("/txn k1 once only")
        first = yield alice.expect_line("ACK k1 tea ")
        alice.say("/txn k1 once only")
        again = yield alice.expect_line("ACK k1 tea ")
        self.assertEqual(again, first)
        bob.say("and after it")
        yield bob.expect(said("bob", "and after it"))
        from_alice = [
            line.split(" ", 4)[4]
            for line in bob.lines
            if line.startswith("MSG tea alice ")
        ]
        self.assertEqual(from_alice, ["hello bob", "once only"])

        carol = yield self.client(two, "carol")
        carol.say("/join tea")
        replayed = []
        for _ in range(4):
            replayed.append((yield carol.expect_line("HISTORY tea ")))
        self.assertEqual(
            [f"{line.split()[2]}: {line.split(' ', 4)[4]}" for line in replayed],
            [
                "alice: hello bob",
                "bob: hello alice",
                "alice: once only",
                "bob: and after it",
            ],
        )
        ran = calls_of((yield ask(self.redis.port, "INFO", "commandstats")))
        self.assertNotIn("fcall", ran)
        self.assertGreater(ran.get("evalsha", 0) + ran.get("eval", 0), 0)
