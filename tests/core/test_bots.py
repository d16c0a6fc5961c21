"""The rules of bot tokens and relayed nicks, alone: what a token is made
of, how it is found and checked (:mod:`chatroom.core.accounts.bots`), and
what ``RELAYMSG`` refuses (:mod:`chatroom.core.messages.relaying`)."""

from __future__ import annotations

import re

from twisted.internet import defer
from twisted.trial import unittest

from chatroom.core.accounts.bots import (
    new_token,
    token_hash,
    token_matches,
    token_name,
)
from chatroom.core.infra.seats import Session
from chatroom.core.messages import relaying
from chatroom.core.model.accountrecord import NO_PASSWORD, Account, Bot
from chatroom.core.model.errors import ChatError


class TokenTests(unittest.TestCase):
    def test_a_token_is_long_and_url_safe_and_names_its_bot(self) -> None:
        for name in ("deployer", "ü-bot", "a"):
            token = new_token(name)
            self.assertRegex(token, r"^[A-Za-z0-9_-]{32,}$")
            self.assertEqual(token_name(token), name)
        self.assertNotEqual(new_token("a"), new_token("a"))

    def test_other_shapes_name_nobody(self) -> None:
        secret = new_token("x").split("_", 1)[1]
        for token in (
            "",
            "deployer",
            "zz_" + secret,
            "6_" + secret,
            "ff_" + secret,
            "78_" + secret[:-1],
            "78_" + secret + "A",
            "78 " + secret,
        ):
            self.assertIsNone(token_name(token), token)

    def test_only_its_own_token_matches(self) -> None:
        token = new_token("deployer")
        bot = Bot("", "", False, 0.0, token_hash(token))
        self.assertTrue(token_matches(bot, token))
        self.assertFalse(
            token_matches(bot, token[:-1] + ("A" if token[-1] != "A" else "B"))
        )
        self.assertFalse(token_matches(bot, new_token("deployer")))
        self.assertNotIn(token, bot.encode())
        self.assertEqual(Bot.decode(bot.encode()), bot)


class RelayedNickTests(unittest.TestCase):
    def test_a_relayed_nick_holds_a_slash_and_name_characters(self) -> None:
        for nick in ("carol/matrix", "carol/matrix/x", "Ünal/discord", "a.b-c_d/e"):
            self.assertEqual(relaying.check_nick(nick), nick)
        for nick in (
            "carol",
            "/matrix",
            "carol/",
            "ca rol/x",
            "car!ol/x",
            "a//b",
            "x" * 40 + "/" + "y" * 30,
        ):
            with self.assertRaises(ChatError) as refused:
                relaying.check_nick(nick)
            self.assertEqual(refused.exception.code, "INVALID_NICK", nick)


class Records:
    """An account store that knows a few accounts."""

    def __init__(self, *accounts: Account) -> None:
        self.accounts = {account.key: account for account in accounts}

    async def get(self, key: str) -> Account | None:
        return self.accounts.get(key)


class RelayerTests(unittest.TestCase):
    def checked(self, session: Session, admin: bool, records: Records) -> str:
        """The code the relayer check answers (``OK`` for none)."""

        async def check() -> str:
            try:
                await relaying.check_relayer(session, admin, records)  # type: ignore[arg-type]
            except ChatError as refused:
                return refused.code
            return "OK"

        return str(self.successResultOf(defer.Deferred.fromCoroutine(check())))

    def test_who_may_relay(self) -> None:
        """A relay bot and an admin; not a bot without the permission, not
        a plain user, not an account of a person."""
        relay = Bot("", "", True, 0.0, "h").encode()
        plain_bot = Bot("alice", "alice", False, 0.0, "h").encode()
        records = Records(
            Account("bridge", "bridge", NO_PASSWORD, bot=relay),
            Account("helper", "helper", NO_PASSWORD, bot=plain_bot),
            Account("alice", "alice", "hash"),
        )
        bridge = Session("t1", "bridge", "bridge", "bridge", bot=True)
        helper = Session("t2", "helper", "helper", "helper", bot=True)
        alice = Session("t3", "alice", "alice", "alice")
        guest = Session("t4", "guest")
        self.assertEqual(self.checked(bridge, False, records), "OK")
        self.assertEqual(self.checked(alice, True, records), "OK")
        for session in (helper, alice, guest):
            self.assertEqual(self.checked(session, False, records), "PRIVS_NEEDED")
        self.assertTrue(re.search("relay", relaying.privs_needed().text))
