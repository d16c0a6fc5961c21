"""Incoming webhooks (issue 34) on a real redis-server: the contract, the
hook store, and a hook added on one node posted to on another."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer, reactor

from chatroom.core.config import ClusterConfig, RedisAddress
from chatroom.doors.base.server import ChatServer
from chatroom.wiring.registries import redis_registry
from tests.cluster.support import RedisRegistryTestCase
from tests.handler_contract import CONFIG
from tests.support import redis_backend
from tests.webhook_contract import HookStoreContract, WebhookContract, body


class RedisRegistryWebhookTests(RedisRegistryTestCase, WebhookContract):
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
        server = ChatServer(self.config, clock=reactor, registry=other)
        server.start()
        self.addCleanup(other.detach)
        self.addCleanup(server.stop)
        yield other.backend.when_available()
        yield defer.Deferred.fromCoroutine(
            other.post_webhook(ci, body(text="from afar", username="deploy"))
        )
        said = yield self.expect(alice, "MSG tea deploy[bot] ")
        self.assertTrue(said.endswith(" from afar"), said)
        connection = redis_backend(self.server).commands.connection
        kept = yield connection.execute_command("HGET", "chatroom:hooks", ci)
        self.assertTrue(kept.startswith(b'{"type":"Hook","room":"tea"'), kept)


class RedisHookStoreTests(RedisRegistryTestCase, HookStoreContract):
    """The hooks in Redis."""

    config = CONFIG

    def store(self) -> Any:
        return redis_backend(self.server).hooks
