"""Mail for what an account missed, on two nodes sharing a real
redis-server: the contract (``tests/backends/contracts/missed_mail.py``)
on node one with a second node beside it, and what only two nodes show:
how recently a device did something is known only to its own node, so
the node where a mention is said mails nobody connected to another node;
once that account has left, it does.

The nodes run on the reactor; node one's rule (where bob speaks) is
handed a ``task.Clock``, so ``--mail-idle`` and the gathering pass without
waiting.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.missed_mail import GATHER
from tests.backends.contracts.account_changes import FIRST
from tests.backends.contracts.handler import User
from tests.backends.contracts.missed_mail import IDLE
from tests.backends.redis import test_missed_mail
from tests.cluster.support import TwoNodeRegistryTestCase
from tests.support import FakeClient


class MissedMailOnTwoNodesTests(
    TwoNodeRegistryTestCase, test_missed_mail.RedisMissedMailTests
):
    """Node one's rule on a clock of its own, as on one Redis node."""

    @defer.inlineCallbacks
    def test_nobody_connected_elsewhere_is_mailed(self) -> Generator[Any, Any, None]:
        """alice signs in on node two: bob's mention on node one mails
        nothing, however long node one has not seen her; once she has
        left, his next mention is mailed, alone."""
        letters = self.mailer()
        bob = yield self.mailable("bob", letters)
        alice = yield self.mailable("alice", letters)
        alice.say("/quit")
        elsewhere = User(FakeClient(self.other_server))
        elsewhere.say(f"/login alice {FIRST}")
        yield self.expect(elsewhere, "WELCOME alice")
        yield self.expect(bob, "JOIN tea alice")
        yield defer.ensureDeferred(self.missed.refresh())
        before = len(letters.letters)
        self.pass_time(IDLE + 1)
        yield self.said(bob, "tea", "alice: are you on the other node?")
        self.pass_time(GATHER + 1)
        self.assertEqual((yield self.mailed(letters, before, 0)), [])
        elsewhere.say("/quit")
        yield self.expect(bob, "PART tea alice")
        for _ in range(400):  # her session's end reaches every node
            if not (yield defer.ensureDeferred(self.elsewhere("alice"))):
                break
            yield self.wait()
        yield self.said(bob, "tea", "alice: and now?")
        self.pass_time(GATHER + 1)
        [letter] = yield self.mailed(letters, before)
        self.assertIn("bob in tea: alice: and now?", letter.text)
        self.assertNotIn("other node", letter.text)

    async def elsewhere(self, account: str) -> bool:
        """Whether node one finds ``account`` connected to another node."""
        return await self.missed.connected_elsewhere(account)
