"""``/txn`` (issue 81) with the in-process registry, and across a restart
of the ``--db`` file."""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.backends.local.store import MemoryStore
from chatroom.backends.local.transactions import PRUNE_INTERVAL, KeptKeys
from chatroom.core.model.changes.transactions import KEY_SECONDS, KeyUnused
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.transactions import (
    KeyedTellContract,
    TransactionContract,
)
from tests.support import FakeClient, StoreFileTestCase, local_server


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
