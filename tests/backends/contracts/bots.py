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

from chatroom.core.accounts.bots import MOST_BOTS, Bots, token_hash
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.errors import ChatError
from chatroom.doors.base.hub import DoorHub
from tests.backends.contracts.account_changes import FIRST, AccountsBase
from tests.backends.contracts.handler import User
from tests.support import FakeClient

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

    @defer.inlineCallbacks
    def test_two_adds_racing_past_the_tenth_make_one(
        self,
    ) -> Generator[Any, Any, None]:
        """Alice owns nine bots; two adds (two nodes' ``/bot add`` at once)
        both count nine and decide, and only then is either applied: the
        store's premise (fewer than ten) refuses the second, decided again
        it is ``BAD_ARGS``, and alice owns ten."""
        yield self.registered("alice", FIRST)
        for n in range(MOST_BOTS - 1):
            yield defer.Deferred.fromCoroutine(self.bots.add(f"b{n}", "alice"))
        apply = self.bots.apply
        waiting: list[defer.Deferred[None]] = []

        async def held(change: DecidedChange) -> None:
            """Each of the first two changes waits until both are decided."""
            if len(waiting) < 2:
                waiting.append(defer.Deferred())
                if len(waiting) == 2:
                    for each in waiting:
                        each.callback(None)
                await waiting[-1]
            await apply(change)

        racing = [Bots(self.bots.store, held, self.bots.clock) for _ in range(2)]
        outcomes = yield defer.DeferredList(
            [
                self.refused(bots.add(name, "alice"))
                for bots, name in zip(racing, ("left", "right"), strict=True)
            ]
        )
        self.assertEqual(len(waiting), 2)  # both were decided before either applied
        self.assertEqual(sorted(code for _, code in outcomes), ["BAD_ARGS", "done"])
        owned = yield defer.Deferred.fromCoroutine(self.bots.owned("alice"))
        self.assertEqual(len(owned), MOST_BOTS)

    @defer.inlineCallbacks
    def own_bot(self, owner: User, name: str) -> Generator[Any, Any, str]:
        """``owner`` makes bot ``name`` with ``/bot add``: its token."""
        owner.say(f"/bot add {name}")
        line = yield self.expect(owner, f"BOT {name} ")
        token = line.split(" ")[2]
        self.assertRegex(token, TOKEN)
        return token

    @defer.inlineCallbacks
    def bot_signed_in(self, name: str, token: str) -> Generator[Any, Any, User]:
        """A new connection's ``/login NAME TOKEN``, welcomed."""
        bot = User(FakeClient(self.server))
        bot.say(f"/login {name} {token}")
        yield self.expect(bot, f"WELCOME {name}")
        return bot

    @defer.inlineCallbacks
    def test_bot_add_list_remove_at_the_line_door(self) -> Generator[Any, Any, None]:
        """``/bot add`` answers ``BOT``, ``/bot list`` ``BOT_MADE`` lines
        then ``BOTS_END``, ``/bot remove`` ``BOT_REMOVED``; a name someone
        connected holds is ``NAME_TAKEN``, a bad one ``BAD_NAME``, another's
        bot or none ``BAD_ARGS``; a plain name, a bot and a sign-in with an
        app password are ``NOT_ALLOWED``."""
        alice = yield self.registered("alice", FIRST)
        plain = yield self.connect("carol")
        yield self.own_bot(alice, "deployer")
        alice.say("/bot list")
        made = yield self.expect(alice, "BOT_MADE deployer ")
        self.assertRegex(made, r"^BOT_MADE deployer \d{4}-\d\d-\d\dT")
        yield self.expect(alice, "BOTS_END 1")
        yield self.refusal(alice, "/bot add carol", "NAME_TAKEN")
        yield self.refusal(alice, "/bot add alice", "NAME_TAKEN")
        yield self.refusal(alice, "/bot add a!b", "BAD_NAME")
        yield self.refusal(alice, "/bot remove carol", "BAD_ARGS")
        yield self.refusal(plain, "/bot add helper", "NOT_ALLOWED")
        yield defer.Deferred.fromCoroutine(self.bots.add("opsbot"))
        yield self.refusal(alice, "/bot remove opsbot", "BAD_ARGS")
        alice.say("/app-password add phone")
        password = (yield self.expect(alice, "APP_PASSWORD phone ")).split(" ")[2]
        phone = User(FakeClient(self.server))
        phone.say(f"/login alice {password}")
        yield self.expect(phone, "WELCOME alice")
        yield self.refusal(phone, "/bot add other", "NOT_ALLOWED")
        yield self.refusal(phone, "/bot list", "NOT_ALLOWED")
        alice.say("/bot remove DEPLOYER")
        yield self.expect(alice, "BOT_REMOVED deployer")
        alice.say("/bot list")
        yield self.expect(alice, "BOTS_END 0")

    @defer.inlineCallbacks
    def test_a_bot_signs_in_with_its_token_and_its_words_are_tagged(
        self,
    ) -> Generator[Any, Any, None]:
        """``/login NAME TOKEN`` welcomes the bot; a wrong token is
        ``BAD_PASSWORD``; a ``rich`` member sees ``bot`` on its message, a
        plain one the plain ``MSG``; its private message is tagged too; it
        may not ``/register``, ``/password``, ``/bot add`` or
        ``/app-password add``."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.own_bot(alice, "deployer")
        self.assertEqual(
            (yield self.sign_in("deployer", token[:-2] + "xx")), "BAD_PASSWORD"
        )
        self.assertEqual((yield self.sign_in("deployer", FIRST)), "BAD_PASSWORD")
        bot = yield self.bot_signed_in("deployer", token)
        alice.say("/caps rich")
        yield self.expect(alice, "CAPS ")
        alice.say("/create ops")
        yield self.expect(alice, "MEMBERS ops ")
        plain = yield self.connect("carol")
        plain.say("/join ops")
        yield self.expect(plain, "MEMBERS ops ")
        bot.say("/join ops")
        yield self.expect(bot, "MEMBERS ops ")
        bot.say("/say ops deployed 1.2")
        rich = yield self.expect(alice, "@")
        while " MSG ops deployer " not in rich:
            rich = yield self.expect(alice, "@")
        self.assertRegex(rich, r"^@\d+;bot MSG ops deployer \S+ deployed 1\.2$")
        seen = yield self.expect(plain, "MSG ops deployer ")
        self.assertTrue(seen.endswith(" deployed 1.2"))
        bot.say("/msg alice hello")
        private = yield self.expect(alice, "@")
        while "PRIVMSG" not in private and "PRIVATE" not in private:
            private = yield self.expect(alice, "@")
        self.assertIn("bot", private.split(" ", 1)[0])
        for said in (
            "/register x12345678",
            "/password a b",
            "/bot add x",
            "/app-password add x",
        ):
            yield self.refusal(bot, said, "NOT_ALLOWED")

    @defer.inlineCallbacks
    def test_a_removed_bot_is_told_and_its_token_stops(
        self,
    ) -> Generator[Any, Any, None]:
        """``/bot remove``: the bot's connection gets ``BYE bot removed by
        alice``; its room hears it go; its token signs in no more, at
        ``/login`` and as a bearer token; the owner's account gone takes
        its other bots."""
        alice = yield self.registered("alice", FIRST)
        token = yield self.own_bot(alice, "deployer")
        other = yield self.own_bot(alice, "second")
        bot = yield self.bot_signed_in("deployer", token)
        alice.say("/create ops")
        yield self.expect(alice, "MEMBERS ops ")
        bot.say("/join ops")
        yield self.expect(alice, "JOIN ops deployer")
        alice.say("/bot remove deployer")
        yield self.expect(bot, "BYE bot removed by alice")
        part = yield self.expect(alice, "PART ops deployer ")
        self.assertEqual(part, "PART ops deployer bot removed")
        self.assertEqual((yield self.sign_in("deployer", token)), "NO_SUCH_ACCOUNT")
        self.assertIsNone(
            (yield defer.Deferred.fromCoroutine(self.bots.by_token(token)))
        )
        yield self.expect(alice, "BOT_REMOVED deployer")
        alice.say(f"/unregister {FIRST}")
        yield self.expect(alice, "UNREGISTERED")
        self.assertIsNone(
            (yield defer.Deferred.fromCoroutine(self.bots.by_token(other)))
        )
