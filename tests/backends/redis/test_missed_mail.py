"""Mail for what an account missed against the Redis registry on a real
redis-server (``tests/backends/contracts/missed_mail.py``): the registry
runs on the reactor; the rule and the activity it reads are handed a
``task.Clock`` of their own, so ``--mail-idle`` passes without waiting."""

from __future__ import annotations

from twisted.internet import defer
from twisted.internet.task import Clock

from tests.backends.contracts.mailbox import KeptLetters
from tests.backends.contracts.missed_mail import CONFIG, MissedMailContract
from tests.cluster.support import RedisRegistryTestCase
from tests.support import chat_core


class RedisMissedMailTests(RedisRegistryTestCase, MissedMailContract):
    config = CONFIG

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.mail_sender = KeptLetters()
        yield super().setUp()
        self.rule_clock = Clock()
        core = chat_core(self.server)
        core.notifications.clock = self.rule_clock
        core.notifications.activity.clock = self.rule_clock
        core.missed_mail.clock = self.rule_clock

    def pass_time(self, seconds: float) -> None:
        self.rule_clock.advance(seconds)
