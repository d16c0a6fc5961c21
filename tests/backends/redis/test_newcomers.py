"""Newcomers held back on the Redis registry: the registration time and a
shared room are read from Redis (the wait running out is
``tests/core/test_newcomers.py``'s, on a task.Clock)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.moderation import CONFIG, ModerationContract
from tests.cluster.support import RedisRegistryTestCase


class Helpers(ModerationContract):
    """The contract's helpers, without its tests (run in test_moderation.py)."""


for _name in [n for n in vars(ModerationContract) if n.startswith("test_")]:
    setattr(Helpers, _name, None)


class RedisNewcomerTests(RedisRegistryTestCase, Helpers):
    config = replace(CONFIG, newcomer_wait=600)

    @defer.inlineCallbacks
    def test_a_new_account_waits_for_strangers_and_links(
        self,
    ) -> Generator[Any, Any, None]:
        yield self.signed_in("stranger")
        neighbour = yield self.signed_in("neighbour")
        yield self.enter(neighbour, "tea", create=True)
        newbie = yield self.signed_in("newbie")
        yield self.enter(newbie, "tea")
        reply = yield self.refused(newbie, "/msg stranger hi", "NOT_YET")
        self.assertIn(reply, ("ERR NOT_YET 600", "ERR NOT_YET 599"))
        yield self.refused(newbie, "see www.spam.example", "NOT_YET")
        newbie.say("/msg neighbour hi")
        yield self.expect(neighbour, "PRIVMSG newbie neighbour ")
        newbie.say("no link here")
        yield self.expect(neighbour, "MSG tea newbie ")
        root = yield self.signed_in("root")
        root.say("/msg stranger hi from an admin")
        yield self.expect(root, "PRIVMSG root stranger ")
