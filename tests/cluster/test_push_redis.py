"""Web Push against the Redis registry.

The same tests as ``tests/test_push.py``'s contract (see
``tests/push_contract.py``), with the key and subscriptions in a real
redis-server. The registry runs on the reactor; the push rule is handed a
``task.Clock`` of its own, so ``--push-idle`` passes without waiting.
"""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.task import Clock

from tests.cluster.support import RedisRegistryTestCase
from tests.push_contract import CONFIG, PushContract
from tests.support import chat_core


class RedisPushTests(RedisRegistryTestCase, PushContract):
    """Replies come once Redis has answered."""

    config = CONFIG

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        yield super().setUp()
        self.rule_clock = Clock()
        chat_core(self.server).notifications.clock = self.rule_clock

    def pass_idle(self) -> None:
        self.rule_clock.advance(CONFIG.push_idle + 1)
