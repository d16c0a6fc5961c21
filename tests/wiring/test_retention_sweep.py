"""``--retention-age`` in rooms nobody speaks in: the core's sweep on the
server's clock (:mod:`chatroom.core.messages.retention`), as ``twistd chatroom``
starts it, over the SQLite store, with time on a ``task.Clock``.

Old messages go within :data:`SWEEP_INTERVAL` (and the store's next trim
by age) of reaching their age though nobody says anything after them;
without ``--retention-age`` the sweep never runs.
"""

from __future__ import annotations

from dataclasses import replace

from chatroom.core.messages.retention import SWEEP_INTERVAL
from tests.backends.contracts.retention import AGE, RETENTION_CONFIG
from tests.support import NOW, FakeClient, StoreFileTestCase, chat_core


class QuietRooms(StoreFileTestCase):
    """alice says something in tea and bob in coffee (then, in the tests,
    perhaps alice once more a little later), and then nobody says
    anything."""

    config = RETENTION_CONFIG

    def setUp(self) -> None:
        super().setUp()
        self.clock.advance(NOW)
        self.server = self.start()
        self.server.start()
        self.addCleanup(self.server.stop)
        self.alice = self.seated("alice", "tea")
        self.bob = self.seated("bob", "coffee")
        self.said(self.alice, "old tea")
        self.said(self.bob, "old coffee")

    def seated(self, name: str, room: str) -> FakeClient:
        client = FakeClient(self.server)
        client.send(name)
        client.send(f"/create {room}")
        client.received()
        return client

    def said(self, client: FakeClient, text: str) -> None:
        client.send(text)
        self.assertTrue(any(line.endswith(" " + text) for line in client.received()))

    def passes(self, seconds: float) -> None:
        """The server's clock moves on ``seconds``, a second at a time (its
        store's flushes and the sweeps come round as they fall)."""
        for _ in range(int(seconds)):
            self.clock.advance(1)

    def history(self, client: FakeClient) -> list[str]:
        """What ``/history`` shows ``client`` of its room: each event's text."""
        client.send("/history 10")
        lines = client.received()
        self.assertTrue(lines[-1].startswith("HISTORY_END "), lines)
        return [line.split(" ", 4)[4] for line in lines[:-1]]

    def found(self, client: FakeClient, word: str) -> list[str]:
        """The texts ``/search WORD`` finds for ``client``, newest first."""
        client.send(f"/search {word}")
        lines = client.received()
        self.assertTrue(lines[-1].startswith("FOUND_END "), lines)
        return [line.split(" ", 5)[5] for line in lines[:-1]]


class RetentionSweepTests(QuietRooms):
    """With ``--retention-age``."""

    def test_old_messages_go_from_rooms_nobody_speaks_in(self) -> None:
        """tea's first message and coffee's go once past the age, at the
        sweep after it though nobody spoke since; tea's later one stays:
        ``/history`` and ``/search`` find only it, and someone joining tea
        is replayed only it."""
        self.passes(AGE - 10)
        self.said(self.alice, "new tea")
        self.passes(10 + SWEEP_INTERVAL)
        self.assertEqual(self.history(self.alice), ["new tea"])
        self.assertEqual(self.history(self.bob), [])
        self.assertEqual(self.found(self.alice, "tea"), ["new tea"])
        self.assertEqual(self.found(self.bob, "coffee"), [])
        carol = FakeClient(self.server)
        carol.send("carol")
        carol.send("/join tea")
        replayed = [line for line in carol.received() if line.startswith("HISTORY ")]
        self.assertEqual([line.split(" ", 4)[4] for line in replayed], ["new tea"])

    def test_nothing_goes_before_its_age(self) -> None:
        """Sweeps before the age leave every message where it is."""
        self.passes(AGE - 1)
        self.assertGreater(chat_core(self.server).retention.sweeps, 0)
        self.assertEqual(self.history(self.alice), ["old tea"])
        self.assertEqual(self.history(self.bob), ["old coffee"])


class NoRetentionAgeTests(QuietRooms):
    """The same rooms without ``--retention-age``."""

    config = replace(RETENTION_CONFIG, retention_age=0)

    def test_no_sweep_runs_and_nothing_goes(self) -> None:
        """Several sweeps' intervals past what the age would have been:
        everything is kept, and no sweep ran."""
        self.passes(AGE + 3 * SWEEP_INTERVAL)
        self.assertEqual(self.history(self.alice), ["old tea"])
        self.assertEqual(self.history(self.bob), ["old coffee"])
        self.assertEqual(self.found(self.bob, "coffee"), ["old coffee"])
        self.assertEqual(chat_core(self.server).retention.sweeps, 0)
