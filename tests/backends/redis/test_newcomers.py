"""Newcomers held back on the Redis registry: the registration time and a
shared room are read from Redis (the wait running out is
``tests/core/test_newcomers.py``'s, on a task.Clock, and
``tests/integration/test_newcomers.py``'s, on two nodes)."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import replace
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.moderation import CONFIG, PASSWORD
from tests.cluster.support import RedisRegistryTestCase
from tests.support import FakeClient


class RedisNewcomerTests(RedisRegistryTestCase, ContractBase):
    config = replace(CONFIG, newcomer_wait=600)

    @defer.inlineCallbacks
    def signed_in(self, name: str) -> Generator[Any, Any, User]:
        """A user who registers ``name`` and is signed in to it."""
        user = User(FakeClient(self.server))
        user.say(name)
        yield self.expect(user, f"WELCOME {name}")
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, f"REGISTERED {name}")
        return user

    @defer.inlineCallbacks
    def enter(
        self, user: User, room: str, create: bool = False
    ) -> Generator[Any, Any, None]:
        user.say(f"/{'create' if create else 'join'} {room}")
        yield self.expect(user, f"MEMBERS {room} ")

    @defer.inlineCallbacks
    def refused(self, user: User, line: str, code: str) -> Generator[Any, Any, str]:
        return (yield self.refusal(user, line, code))

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
