"""Web Push against the Redis registry.

The same tests as ``tests/backends/local/test_push.py``'s contract (see
``tests/backends/contracts/push.py``), with the key and subscriptions in a real
redis-server. The registry runs on the reactor; the push rule is handed a
``task.Clock`` of its own, so ``--push-idle`` passes without waiting.
"""

from __future__ import annotations

from twisted.internet import defer, reactor, task
from twisted.internet.task import Clock

from chatroom.backends.redis.push import RedisPush
from chatroom.core.accounts.push import (
    Subscription,
    change_of,
    subscribing,
    unsubscribing,
)
from tests.backends.contracts.push import CONFIG, PushContract
from tests.cluster.support import RedisRegistryTestCase, redis_backend
from tests.support import chat_core, kept_account


class RedisPushTests(RedisRegistryTestCase, PushContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.rule_clock = Clock()
        core = chat_core(self.server)
        core.notifications.clock = core.notifications.activity.clock = self.rule_clock

    def pass_idle(self) -> None:
        self.rule_clock.advance(CONFIG.push_idle + 1)


class SubscribersCopyTests(RedisRegistryTestCase):
    """Each node's copy of who keeps push subscriptions (what spares Redis a
    look-up per room message): read from Redis, with what was kept before
    the copy existed."""

    config = CONFIG

    def another_node(self) -> RedisPush:
        """The store as a second node sees it: a copy of its own."""
        return RedisPush(redis_backend(self.server).calls)

    @defer.inlineCallbacks
    def read(self, store: RedisPush):
        for _ in range(200):
            known = store.subscribers()
            if known is not None:
                return known
            yield task.deferLater(reactor, 0.01, lambda: None)
        self.fail("the copy was never read")

    @defer.inlineCallbacks
    def test_another_node_reads_who_subscribed(self):
        """alice subscribes through this node: another node's first read
        holds her, and so does a read after the set was lost (rebuilt from
        the subscriptions themselves); once she unsubscribes, a fresh read
        holds nobody."""
        store = chat_core(self.server).notifications
        sub = Subscription("https://push.example/a", "k" * 87, "a" * 22)
        made = change_of("alice", subscribing("alice", [], sub, ""))
        yield kept_account(self.server, "alice")
        yield defer.ensureDeferred(store.apply(made))
        known = yield self.read(self.another_node())
        self.assertEqual(known, frozenset({"alice"}))
        calls = redis_backend(self.server).calls
        yield defer.ensureDeferred(calls.command("DEL", calls.prefix + "push-accounts"))
        yield defer.ensureDeferred(calls.command("DEL", calls.prefix + "push-version"))
        known = yield self.read(self.another_node())
        self.assertEqual(known, frozenset({"alice"}))
        gone = change_of("alice", unsubscribing([sub], sub.endpoint))
        yield defer.ensureDeferred(store.apply(gone))
        known = yield self.read(self.another_node())
        self.assertEqual(known, frozenset())
