"""Web Push in one process: the rule on a ``task.Clock``, the store across
a restart, and the contract (``tests/backends/contracts/push.py``) to a real push
service on 127.0.0.1.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.python import usage
from twisted.trial import unittest

from chatroom.backends.local.push import StoredPush
from chatroom.backends.local.records import MemoryStore
from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.accounts.push import (
    PER_PLACE,
    Notice,
    Notifications,
    Subscription,
    change_of,
    check_subscription,
    public_key_of,
    subscribing,
)
from chatroom.core.model.errors import ChatError
from chatroom.core.model.events import Message
from chatroom.wiring.tap import Options
from tests.backends.contracts.push import CONFIG, PushContract
from tests.push_endpoint import Subscriber
from tests.support import in_place, kept_account, local_server


class LocalPushTests(PushContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line; the core's
    clock is a ``task.Clock`` (the sender's is the reactor)."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)

    def pass_idle(self) -> None:
        self.clock.advance(CONFIG.push_idle + 1)


class PushRuleTests(unittest.TestCase):
    """Who is pushed to, when and how often, on an injected clock, with a
    sender that keeps what it is handed."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.store = StoredPush(MemoryStore())
        self.rooms = {"alice": ["general"], "bob": ["general"]}
        self.sent: list[tuple[str, Notice]] = []
        self.gone: set[str] = set()
        self.rule = Notifications(
            self.clock, self.store, self.store.apply, self.kept_rooms, self, idle=60.0
        )
        subscription = Subscription("https://p.example/1", "k", "a")
        made = change_of("alice", subscribing("alice", [], subscription, ""))
        self.successResultOf(defer.ensureDeferred(self.store.apply(made)))

    async def kept_rooms(self, account: str) -> list[str]:
        return self.rooms.get(account, [])

    def send(self, key: str, subscription: Subscription, notice: Notice) -> Any:
        """The rule's sender (this test is it): keeps what it is handed."""
        self.sent.append((subscription.endpoint, notice))
        return defer.succeed(subscription.endpoint in self.gone)

    def allows(self, endpoint: str) -> Any:
        return defer.succeed(True)

    def said(self, text: str, room: str = "general", sender: str = "bob") -> None:
        event = Message(room, sender, "2026-11-23T12:00:00.000Z", text)
        self.rule.said_in_room(room, sender, text, event)

    def test_only_after_the_idle_time(self) -> None:
        """A device active 59 s ago: no push; at 60 s: pushed."""
        self.rule.active("alice")
        self.clock.advance(59)
        self.said("alice: hi")
        self.assertEqual(self.sent, [])
        self.clock.advance(1)
        self.said("alice: hi again")
        self.assertEqual([n.text for _e, n in self.sent], ["alice: hi again"])

    def test_one_push_per_room_per_minute_with_a_count(self) -> None:
        """Three mentions in general within a minute: the first is pushed
        at once, the newest at the minute's end with count 2; a private
        message meanwhile is a place of its own, pushed at once."""
        self.said("alice one")
        self.said("alice two")
        self.said("ALICE three")
        self.rule.said_privately("alice", "bob", "psst", Message("", "bob", "", "x"))
        self.assertEqual(
            [(n.room, n.text, n.count) for _e, n in self.sent],
            [("general", "alice one", 1), (None, "psst", 1)],
        )
        self.clock.advance(PER_PLACE)
        self.assertEqual(
            (self.sent[-1][1].text, self.sent[-1][1].count), ("ALICE three", 2)
        )
        self.said("alice four")  # the next minute has begun
        self.assertEqual(len(self.sent), 3)
        self.clock.advance(PER_PLACE)
        self.assertEqual(self.sent[-1][1].text, "alice four")
        self.clock.advance(PER_PLACE)
        self.assertEqual(len(self.sent), 4)

    def test_held_pushes_are_dropped_when_the_account_comes_back(self) -> None:
        """What was held is not sent if a device became active meanwhile."""
        self.said("alice one")
        self.said("alice two")
        self.clock.advance(PER_PLACE / 2)
        self.rule.active("alice")
        self.clock.advance(PER_PLACE / 2)
        self.assertEqual(len(self.sent), 1)

    def test_a_decision_finishing_after_stop_starts_no_timer(self) -> None:
        """A mention whose subscriptions are still being read when the
        service stops is not pushed, and leaves no minute's timer behind
        (a stopped server's reactor stays clean)."""
        reading: defer.Deferred[None] = defer.Deferred()
        of = self.store.of

        async def slow_of(accounts: Sequence[str]) -> dict[str, list[Subscription]]:
            await reading
            return await of(accounts)

        self.store.of = slow_of  # type: ignore[method-assign]
        self.said("alice: still there?")
        self.rule.stop()
        reading.callback(None)
        self.assertEqual(self.sent, [])
        self.assertEqual(self.clock.getDelayedCalls(), [])

    def test_not_the_sender_nor_a_room_it_is_not_in(self) -> None:
        """alice naming herself, or named in a room she does not keep, is
        not pushed to; nor is a word that is no account."""
        self.said("alice here", sender="alice")
        self.said("alice?", room="elsewhere")
        self.said("carol?")
        self.assertEqual(self.sent, [])

    def test_gone_subscriptions_are_forgotten(self) -> None:
        """The sender says 410: the subscription is no longer kept."""
        self.gone.add("https://p.example/1")
        self.said("alice: hi")
        self.assertEqual(len(self.sent), 1)
        kept = self.successResultOf(defer.ensureDeferred(self.store.of(["alice"])))
        self.assertEqual(kept, {})
        self.assertEqual(self.rule.forgotten, 1)


class SubscriptionCheckTests(unittest.TestCase):
    """What a client may subscribe with."""

    def test_https_or_an_allowed_prefix(self) -> None:
        """An https endpoint is taken; http only under ``--push-allow-http``."""
        keys = Subscriber("https://p.example/1")
        found = check_subscription(
            keys.endpoint, keys.p256dh, keys.subscription.auth, ()
        )
        self.assertEqual(found, keys.subscription)
        with self.assertRaises(ChatError):
            check_subscription("http://127.0.0.1:9/x", keys.p256dh, "a" * 22, ())
        allowed = check_subscription(
            "http://127.0.0.1:9/x", keys.p256dh, "a" * 22, ("http://127.0.0.1:9/",)
        )
        self.assertEqual(allowed.endpoint, "http://127.0.0.1:9/x")

    def test_keys_must_be_base64url_of_the_right_size(self) -> None:
        """A p256dh that is no 65-byte point or an auth that is no 16-byte
        secret is refused ``BAD_ARGS``."""
        keys = Subscriber("https://p.example/1")
        for p256dh, auth in ((keys.p256dh[:-2], "a" * 22), (keys.p256dh, "a+b/" * 6)):
            with self.assertRaises(ChatError) as caught:
                check_subscription(keys.endpoint, p256dh, auth, ())
            self.assertEqual(caught.exception.code, "BAD_ARGS")

    def test_options(self) -> None:
        """``--push-allow-http`` takes http:// prefixes only."""
        options = Options()
        options.parseOptions(["--push-allow-http", "http://127.0.0.1:9/,"])
        self.assertEqual(options["push-allow-http"], ("http://127.0.0.1:9/",))
        with self.assertRaises(usage.UsageError):
            Options().parseOptions(["--push-allow-http", "ftp://x"])


class StoredPushTests(unittest.TestCase):
    """The key and subscriptions in the ``--db`` file outlive a restart."""

    def test_kept_across_a_restart(self) -> None:
        """A key made and two subscriptions kept, one removed; the server
        started again over the same file has the same key and the other."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        clock = Clock()

        def start() -> Notifications:
            store = SqliteStore(path, clock, in_place, CONFIG.retention)
            self.addCleanup(store.db.close)
            server = local_server(CONFIG, clock, store)
            if not started:
                self.successResultOf(kept_account(server, "alice"))
            started.append(server)
            return server.registry.notifications  # type: ignore[attr-defined]

        started: list[object] = []
        first = start()
        key = public_key_of(
            self.successResultOf(defer.ensureDeferred(first.server_key()))
        )
        one, two = Subscriber("https://p.example/1"), Subscriber("https://p.example/2")
        for each in (one, two):
            self.successResultOf(
                defer.ensureDeferred(first.subscribe("alice", each.subscription))
            )
        self.successResultOf(
            defer.ensureDeferred(first.unsubscribe("alice", one.endpoint))
        )
        clock.advance(FLUSH_INTERVAL)
        again = start()
        self.assertEqual(
            self.successResultOf(defer.ensureDeferred(again.store.of(["alice"]))),
            {"alice": [two.subscription]},
        )
        self.assertEqual(len(key), 87)
        self.assertEqual(
            public_key_of(
                self.successResultOf(defer.ensureDeferred(again.server_key()))
            ),
            key,
        )
