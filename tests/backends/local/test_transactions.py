"""``/txn`` (issue 81) with the in-process registry, and across a restart
of the ``--db`` file."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, MemoryStore, SqliteStore
from chatroom.backends.local.transactions import PRUNE_INTERVAL, KeptKeys
from chatroom.core.model.changes.transactions import KEY_SECONDS, KeyUnused
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.transactions import (
    KeyedTellContract,
    TransactionContract,
)
from tests.support import FakeClient, StoreFileTestCase, in_place, local_server


class LocalRegistryTransactionTests(TransactionContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class LocalKeyedTellTests(KeyedTellContract, unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class TransactionStoreTests(StoreFileTestCase):
    """A key is kept in the ``--db`` file with its message."""

    def test_a_key_survives_a_restart_with_its_message(self) -> None:
        """Acknowledged, flushed, the server started again on the file: the
        key gets its first ACK, and the history holds the message once."""
        alice = FakeClient(self.start())
        for line in ("alice", "/create tea", "/txn k1 said once"):
            alice.send(line)
        ack = [line for line in alice.received() if line.startswith("ACK ")]
        self.assertEqual(ack, ["ACK k1 tea 1"])
        again = FakeClient(self.start())
        for line in ("alice", "/join tea", "/txn k1 said once"):
            again.send(line)
        lines = again.received()
        self.assertIn("ACK k1 tea 1", lines)
        self.assertEqual(sum(line.endswith(" said once") for line in lines), 1)

    def test_keys_read_back_go_a_day_after_each_was_done(self) -> None:
        """A file whose rows are not in the order their keys were done (a
        key written again, a clock stepped back) is read back oldest
        first: a key goes a day after it was done, not with a younger one
        written before it."""
        self.clock.advance(1_000_000)
        store = SqliteStore(self.path, self.clock, in_place, 50)
        self.addCleanup(store.db.close)
        now = self.clock.seconds()
        store.save_key("alice", "young", "line", "tea", "2", now - 3600)
        store.save_key("alice", "old", "line", "tea", "1", now - 2 * 3600)
        self.clock.advance(FLUSH_INTERVAL)
        keys = KeptKeys(store, self.clock)
        keys.start()
        self.clock.advance(KEY_SECONDS - 1.5 * 3600)
        self.assertIsNone(keys.record("alice", "old"))
        self.assertIsNotNone(keys.record("alice", "young"))


class KeptKeysPruningTests(unittest.TestCase):
    """Keys go a day after they were done, on the clock, and a server
    that keeps none holds no timer for them."""

    def test_a_key_goes_after_a_day_and_its_timer_with_it(self) -> None:
        clock = Clock()
        clock.advance(1_000_000)
        keys = KeptKeys(MemoryStore(), clock)
        keys.start()
        self.assertEqual(clock.getDelayedCalls(), [])
        keys.keep(KeyUnused("alice", "k1", "line", "tea", clock.seconds()), None)
        self.assertEqual(len(clock.getDelayedCalls()), 1)
        clock.advance(KEY_SECONDS - PRUNE_INTERVAL)
        self.assertIsNotNone(keys.record("alice", "k1"))  # kept a day at least
        clock.advance(2 * PRUNE_INTERVAL)
        self.assertIsNone(keys.record("alice", "k1"))
        self.assertEqual(clock.getDelayedCalls(), [])

    def test_the_older_keys_go_and_the_younger_stay(self) -> None:
        """Keys done over a day go a day after each was done: a pruning
        takes the old ones and leaves every one still young, whenever
        they were done within the minute."""
        clock = Clock()
        clock.advance(1_000_000)
        keys = KeptKeys(MemoryStore(), clock)
        keys.start()
        for number in range(6):  # one an hour
            done = KeyUnused("alice", f"k{number}", "line", "tea", clock.seconds())
            keys.keep(done, None)
            clock.advance(3600)
        clock.advance(KEY_SECONDS - 6 * 3600 + 2.5 * 3600)  # k0-k2 a day old
        kept = [keys.record("alice", f"k{n}") is not None for n in range(6)]
        self.assertEqual(kept, [False, False, False, True, True, True])
        clock.advance(3 * 3600)
        self.assertEqual([keys.record("alice", f"k{n}") for n in range(6)], [None] * 6)
        self.assertEqual(clock.getDelayedCalls(), [])
