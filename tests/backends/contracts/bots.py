"""Bot accounts on every back-end: made, found by their token, listed and
removed through the account record's one change, kept across a restart.

A bot is an account of a kind (:mod:`chatroom.core.accounts.bots`): its
name is no account's, its token is kept only as a hash and compared in
constant time, and its removal ends every session signed in to it.

It runs against the in-process back-end on a SQLite file
(``tests/backends/local/test_bots.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_bots.py``); each gives
:meth:`BotsContract.restarted`, a new server on the same store.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.bots import Bots, token_hash
from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import FIRST, AccountsBase

#: A token: letters, digits, ``-`` and ``_``, at least 32 of them.
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,}")


class BotsContract(AccountsBase):
    """Subclasses mix in a TestCase and provide ``server`` and
    :meth:`restarted`."""

    def restarted(self) -> defer.Deferred[DoorHub]:
        """A new server on the same store, as after a restart."""
        raise NotImplementedError

    @property
    def bots(self) -> Bots:
        return self.server.registry.accounts.bots

    def refused(self, doing: Any) -> defer.Deferred[str]:
        """The code ``doing`` (a coroutine) is refused with."""

        async def code() -> str:
            try:
                await doing
            except ChatError as refusal:
                return refusal.code
            return "done"

        return defer.Deferred.fromCoroutine(code())

    @defer.inlineCallbacks
    def test_a_bot_is_found_by_its_token_and_only_its_hash_is_kept(
        self,
    ) -> Generator[Any, Any, None]:
        """``add`` answers a token once; it finds the bot (name, owner,
        relay); the record keeps its SHA-256 alone; a token changed by a
        character, another bot's name with this secret, and a string of
        another shape find nobody."""
        alice = yield self.registered("alice", FIRST)
        del alice
        made, token = yield defer.Deferred.fromCoroutine(
            self.bots.add("Deployer", owner="alice")
        )
        self.assertRegex(token, TOKEN)
        self.assertEqual(
            (made.name, made.owner, made.relay), ("Deployer", "alice", False)
        )
        found = yield defer.Deferred.fromCoroutine(self.bots.by_token(token))
        self.assertEqual(
            (found.name, found.owner, found.relay), ("Deployer", "alice", False)
        )
        record = yield defer.Deferred.fromCoroutine(self.accounts.store.get("deployer"))
        self.assertNotIn(token, repr(record))
        self.assertIn(token_hash(token), record.bot)
        wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
        other = "616c696365" + token[token.index("_") :]  # "alice" + the secret
        for bad in (wrong, other, "nonsense", ""):
            self.assertIsNone(
                (yield defer.Deferred.fromCoroutine(self.bots.by_token(bad)))
            )

    @defer.inlineCallbacks
    def test_a_bot_name_is_unique_among_accounts_bots_and_users(
        self,
    ) -> Generator[Any, Any, None]:
        """An account's name, a bot's (in another case) and a connected
        user's are ``NAME_TAKEN``; a bad name ``BAD_NAME``; an unknown
        owner ``NO_SUCH_ACCOUNT``; a bot owns no bots."""
        yield self.registered("alice", FIRST)
        yield self.connect("carol")
        yield defer.Deferred.fromCoroutine(self.bots.add("helper", relay=True))
        for name, code in (
            ("alice", "NAME_TAKEN"),
            ("HELPER", "NAME_TAKEN"),
            ("carol", "NAME_TAKEN"),
            ("no spaces", "BAD_NAME"),
        ):
            self.assertEqual((yield self.refused(self.bots.add(name))), code)
        self.assertEqual(
            (yield self.refused(self.bots.add("x1", owner="nobody"))), "NO_SUCH_ACCOUNT"
        )
        self.assertEqual(
            (yield self.refused(self.bots.add("x2", owner="helper"))), "NOT_ALLOWED"
        )

    @defer.inlineCallbacks
    def test_bots_are_listed_kept_across_a_restart_and_removed(
        self,
    ) -> Generator[Any, Any, None]:
        """Two bots listed oldest first (never a token); after a restart the
        token still finds its bot; removed, it finds nobody, the name is
        free and the list is shorter; an unknown one is ``NO_SUCH_ACCOUNT``."""
        yield self.registered("alice", FIRST)
        _, first = yield defer.Deferred.fromCoroutine(self.bots.add("one", "alice"))
        yield defer.Deferred.fromCoroutine(self.bots.add("two", relay=True))
        self.server = yield self.restarted()
        listed = yield defer.Deferred.fromCoroutine(self.bots.listed())
        self.assertEqual(
            [(b.name, b.owner, b.relay) for b in listed],
            [("one", "alice", False), ("two", "", True)],
        )
        owned = yield defer.Deferred.fromCoroutine(self.bots.owned("alice"))
        self.assertEqual([b.name for b in owned], ["one"])
        found = yield defer.Deferred.fromCoroutine(self.bots.by_token(first))
        self.assertEqual(found.name, "one")
        removed = yield defer.Deferred.fromCoroutine(self.bots.remove("ONE", "alice"))
        self.assertEqual(removed, "one")
        self.assertIsNone(
            (yield defer.Deferred.fromCoroutine(self.bots.by_token(first)))
        )
        listed = yield defer.Deferred.fromCoroutine(self.bots.listed())
        self.assertEqual([b.name for b in listed], ["two"])
        self.assertEqual(
            (yield self.refused(self.bots.remove("one", "alice"))), "NO_SUCH_ACCOUNT"
        )
        self.assertEqual(
            (yield self.refused(self.bots.remove("alice", "op"))), "NO_SUCH_ACCOUNT"
        )
        self.assertEqual(
            (yield self.refused(self.bots.remove("two", "alice", owner="alice"))),
            "BAD_ARGS",
        )

    @defer.inlineCallbacks
    def test_an_account_has_at_most_ten_bots(self) -> Generator[Any, Any, None]:
        yield self.registered("alice", FIRST)
        for n in range(10):
            yield defer.Deferred.fromCoroutine(self.bots.add(f"b{n}", "alice"))
        self.assertEqual(
            (yield self.refused(self.bots.add("b10", "alice"))), "BAD_ARGS"
        )
        yield defer.Deferred.fromCoroutine(self.bots.owner_gone("alice", "op"))
        self.assertEqual((yield defer.Deferred.fromCoroutine(self.bots.listed())), [])
