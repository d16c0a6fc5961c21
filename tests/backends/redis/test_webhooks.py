"""Incoming webhooks (issue 34) on a real redis-server: the contract, the
hook store, a hook added on one node posted to on another, and a node
that died between the two steps of an add or a remove."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor

from chatroom.backends.redis import hooks as redis_hooks
from chatroom.core.model import codec
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.messages import HookHeld, RemoveHook, RoomHooks
from chatroom.core.model.config import ClusterConfig
from chatroom.core.model.hooks import Hook
from chatroom.doors.base.hub import DoorHub
from chatroom.redisclient.addresses import RedisAddress
from chatroom.wiring.registries import redis_registry
from tests.backends.contracts.handler import CONFIG, User
from tests.backends.contracts.webhook import (
    HookStoreContract,
    WebhookContract,
    body,
    removed,
)
from tests.cluster.support import RedisRegistryTestCase
from tests.support import FakeClient, redis_backend


class HalfDoneSteps(WebhookContract):
    """Adding or removing a hook is two steps, the server's index of
    secrets and the room's hooks (:mod:`chatroom.backends.redis.hooks`):
    run here one without the other, as a node that died between them
    leaves it, in every layout."""

    def step(self, script: Any, operands: dict[str, Any]) -> defer.Deferred[Any]:
        calls = redis_backend(self.server).hooks.calls
        return defer.Deferred.fromCoroutine(calls.eval(script, operands))

    @defer.inlineCallbacks
    def test_an_index_entry_without_its_hook_is_no_hook(
        self,
    ) -> Generator[Any, Any, None]:
        """A secret the index has but whose room has no such hook (an add
        whose room step never ran, a remove whose index step never ran,
        a room deleted, even one made again with a hook of that name) is
        ``NO_SUCH_WEBHOOK`` to a post, says nothing in the room, and the
        entry goes; the name stays free to add."""
        (alice,), ci = yield self.hooked("alice")
        half_added = Hook("tea", "ops", "half-added", "alice")
        indexed = {"secret": "half-added", "hook": codec.encode(half_added)}
        yield self.step(redis_hooks.HOOK_INDEX, indexed)
        removed = DecidedChange(
            RoomHooks("tea"), (HookHeld("ci", True),), (RemoveHook("ci"),)
        )
        yield self.step(redis_hooks.HOOKS_APPLY, {"change": removed, "names": []})
        for secret in ("half-added", ci):
            refusal = yield self.refused(secret, body(text="hi"))
            self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")
            found = yield self.step(redis_hooks.HOOK_FIND, {"secret": secret})
            self.assertIsNone(found)
        self.assertFalse([x for x in alice.unread() if x.startswith("MSG")])
        alice.say("/webhook add ops")
        ops = (yield self.expect(alice, "WEBHOOK ")).split(" ")[2].split("/")[-1]
        alice.say("/delete tea")
        yield self.expect(alice, "DELETED tea")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea")
        alice.say("/webhook add ops")  # the same name, another secret
        yield self.expect(alice, "WEBHOOK ")
        self.assertIsNotNone((yield self.step(redis_hooks.HOOK_FIND, {"secret": ops})))
        refusal = yield self.refused(ops, body(text="hi"))
        self.assertEqual(refusal.code, "NO_SUCH_WEBHOOK")
        self.assertIsNone((yield self.step(redis_hooks.HOOK_FIND, {"secret": ops})))


class RedisRegistryWebhookTests(RedisRegistryTestCase, HalfDoneSteps):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_a_hook_added_on_one_node_posts_from_another(
        self,
    ) -> Generator[Any, Any, None]:
        """Another node of the cluster finds the hook by its secret and says
        its message in the room, which the member on this node hears; the
        hook is kept in the cluster's encoding, never its secret alone."""
        (alice,), ci = yield self.hooked("alice")
        cluster = ClusterConfig(RedisAddress.parse(self.redis_url), node_id="other")
        other = redis_registry(self.config, cluster, reactor)
        server = DoorHub(self.config, clock=reactor, registry=other)
        server.start()
        self.addCleanup(other.detach)
        self.addCleanup(server.stop)
        yield other.backend.when_available()
        yield defer.Deferred.fromCoroutine(
            other.webhooks.post(ci, body(text="from afar", username="deploy"))
        )
        said = yield self.expect(alice, "MSG tea deploy[bot] ")
        self.assertTrue(said.endswith(" from afar"), said)
        connection = redis_backend(self.server).commands.connection
        kept = yield connection.execute_command("HGET", "chatroom:hooks", ci)
        self.assertTrue(kept.startswith(b'{"type":"Hook","room":"tea"'), kept)


class RedisHookStoreTests(RedisRegistryTestCase, HookStoreContract):
    """The hooks in Redis."""

    config = CONFIG

    def backend(self) -> Any:
        return redis_backend(self.server)

    @defer.inlineCallbacks
    def test_hooks_kept_by_an_older_version(self) -> Generator[Any, Any, None]:
        """A room's hook kept by an older version, its secret in the room
        and the hook in the index only, is listed, found and removed."""
        user = User(FakeClient(self.server))
        user.say("alice")
        user.say("/create tea")
        yield self.expect(user, "MEMBERS tea")
        ci = Hook("tea", "ci", "s1", "alice")
        connection = redis_backend(self.server).commands.connection
        yield connection.execute_command("HSET", "chatroom:hooks:tea", "ci", "s1")
        yield connection.execute_command(
            "HSET", "chatroom:hooks", "s1", codec.encode(ci)
        )
        hooks = self.store()
        self.assertEqual(
            (yield defer.Deferred.fromCoroutine(hooks.of_room("tea"))), [ci]
        )
        self.assertEqual((yield defer.Deferred.fromCoroutine(hooks.find("s1"))), ci)
        yield self.applied(removed("tea", "ci"))
        self.assertIsNone(
            (yield connection.execute_command("HGET", "chatroom:hooks", "s1"))
        )
