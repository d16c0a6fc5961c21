"""Whose account is whose, as IRCv3 says it: ``account-tag``,
``extended-join`` and ``account-notify``.

Real :class:`IRCProtocol` objects over ``StringTransport`` and real line
sessions on one server (:mod:`tests.doors.irc.test_irc`); comments name the irctest
server test (``progval/irctest``) that checks the same behaviour.
"""

from __future__ import annotations

import base64

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import tags_of, untagged


class AccountTagTests(AccountsCase):
    """``@account=`` on what a signed-in user does (irctest account_tag
    testPrivmsg, testInvite)."""

    def test_messages_carry_the_senders_account(self) -> None:
        """bob, signed in as bob, says something in #tea and to alice:
        alice (account-tag) sees ``account=bob``; carol's lines carry none;
        dave (no account-tag) sees no tag at all."""
        self.account("bob")
        alice = self.irc()
        alice.send("CAP REQ :account-tag", "NICK alice", "USER a 0 * :A", "CAP END")
        dave = self.irc("dave")
        bob = self.signed_in("bob")
        carol = self.irc("carol")
        for client in (alice, bob, carol, dave):
            client.send("JOIN #tea")
        for client in (alice, bob, carol, dave):
            client.received()
        bob.send("PRIVMSG #tea :hello", "PRIVMSG alice :hi")
        said = alice.received()
        self.assertEqual([tags_of(line) for line in said], [{"account": "bob"}] * 2)
        self.assertEqual(
            [untagged(line) for line in said],
            [
                ":bob!bob@chatroom PRIVMSG #tea :hello",
                ":bob!bob@chatroom PRIVMSG alice :hi",
            ],
        )
        self.assertEqual(dave.received(), [":bob!bob@chatroom PRIVMSG #tea :hello"])
        carol.send("PRIVMSG #tea :plain")
        plain = [":carol!carol@chatroom PRIVMSG #tea :plain"]
        self.assertEqual(alice.received(), plain)

    def test_invitation_carries_the_inviters_account(self) -> None:
        """bob (signed in) invites alice: her INVITE is tagged account=bob."""
        self.account("bob")
        alice = self.irc()
        alice.send("CAP REQ :account-tag", "NICK alice", "USER a 0 * :A", "CAP END")
        bob = self.signed_in("bob")
        bob.send("JOIN #chan")
        alice.received()
        bob.received()
        bob.send("INVITE alice #chan")
        (line,) = alice.received()
        self.assertEqual(tags_of(line), {"account": "bob"})
        self.assertEqual(untagged(line), ":bob!bob@chatroom INVITE alice :#chan")

    def test_registered_name_not_key(self) -> None:
        """The tag is the account's name as registered (``Morning``), not
        the folded key the core compares names by."""
        self.account("Morning")
        alice = self.irc()
        alice.send("CAP REQ :account-tag", "NICK alice", "USER a 0 * :A", "CAP END")
        morning = self.signed_in("Morning")
        morning.send("PRIVMSG alice :hi")
        alice.received()  # the welcome
        morning.send("PRIVMSG alice :again")
        self.assertEqual(
            [tags_of(line) for line in alice.received()], [{"account": "Morning"}]
        )


class ExtendedJoinTests(AccountsCase):
    """``JOIN #chan account :realname`` (irctest extended_join
    testNotLoggedIn, testLoggedIn)."""

    def test_join_with_account_and_realname(self) -> None:
        """alice (extended-join) sees carol's JOIN with ``*`` and her
        realname, signed-in bob's with his account, a line user's with the
        nick as realname; her own JOIN is extended too; dave's plain."""
        self.account("bob")
        alice = self.irc()
        alice.send("CAP REQ :extended-join", "NICK alice", "USER a 0 * :Ali Ce")
        alice.send("CAP END", "JOIN #chan")
        self.assertIn(":alice!alice@chatroom JOIN #chan * :Ali Ce", alice.received())
        dave = self.irc("dave")
        dave.send("JOIN #chan")
        dave.received()
        alice.received()
        carol = self.irc()
        carol.send("NICK carol", "USER c 0 * :Realname", "JOIN #chan")
        bob = self.signed_in("bob")
        bob.send("JOIN #chan")
        lina = self.line("lina")
        lina.send("/join chan")
        self.assertEqual(
            alice.received(),
            [
                ":carol!carol@chatroom JOIN #chan * :Realname",
                ":bob!bob@chatroom JOIN #chan bob :bob",
                ":lina!lina@chatroom JOIN #chan * :lina",
            ],
        )
        self.assertEqual(
            dave.received(),
            [
                ":carol!carol@chatroom JOIN :#chan",
                ":bob!bob@chatroom JOIN :#chan",
                ":lina!lina@chatroom JOIN :#chan",
            ],
        )


class AccountNotifyTests(AccountsCase):
    """``ACCOUNT`` when a user in a shared channel signs in or out, at any
    door; once however many channels are shared."""

    def test_sign_in_and_out_from_irc_and_line(self) -> None:
        """bob identifies to NickServ while in #a and #b: alice
        (account-notify, in both) gets one ``ACCOUNT bob``, dave (without)
        and line user lina nothing; lina registers her name with /register:
        alice gets
        ``ACCOUNT lina``; bob drops his account: ``ACCOUNT *``."""
        self.account("bob")
        alice = self.irc()
        alice.send("CAP REQ :account-notify", "NICK alice", "USER a 0 * :A", "CAP END")
        dave = self.irc("dave")
        bob = self.irc("bob_")
        lina = self.line("lina")
        for client in (alice, bob, dave):
            client.send("JOIN #a,#b")
        lina.send("/join a")
        for client in (alice, bob, dave):
            client.received()
        lina.received()
        bob.send(f"PRIVMSG NickServ :IDENTIFY bob {PASSWORD}")
        self.assertEqual(alice.received(), [":bob_!bob_@chatroom ACCOUNT bob"])
        self.assertEqual(dave.received(), [])
        self.assertEqual(lina.received(), [])
        self.assertNotIn("ACCOUNT", " ".join(bob.received()))
        lina.send(f"/register {PASSWORD}")
        self.assertIn("REGISTERED lina", lina.received())
        self.assertEqual(alice.received(), [":lina!lina@chatroom ACCOUNT lina"])
        bob.send(f"PRIVMSG NickServ :DROP {PASSWORD}")
        self.assertEqual(alice.received(), [":bob_!bob_@chatroom ACCOUNT *"])


class SaslAfterRegistrationTests(AccountsCase):
    """SASL once registered, and again (IRCv3 SASL 3.2: "reauthenticate ...
    at any time"; irctest sasl testPlainPostRegistration,
    testPlainPostRegistrationAndReAuthenticate)."""

    def authenticate(self, client: IRCClient, account: str) -> list[str]:
        """``AUTHENTICATE PLAIN`` and the payload for ``account``: the
        numerics answered."""
        client.send("AUTHENTICATE PLAIN")
        self.assertEqual(client.received(), ["AUTHENTICATE +"])
        payload = base64.b64encode(f"{account}\0{account}\0{PASSWORD}".encode())
        client.send(f"AUTHENTICATE {payload.decode()}")
        return [line.split(" ")[1] for line in client.received()]

    def test_sign_in_then_again_as_another(self) -> None:
        """user signs in as foo after registering (900, 903; a peer with
        account-notify hears ACCOUNT foo), then as jilles (900, 903,
        ACCOUNT jilles); messages then carry the new account."""
        self.account("foo")
        self.account("jilles")
        peer = self.irc()
        peer.send("CAP REQ :account-notify account-tag", "NICK peer", "USER p 0 * :P")
        peer.send("CAP END", "JOIN #tea")
        user = self.irc()
        user.send("CAP REQ :sasl", "NICK user", "USER u 0 * :U", "CAP END", "JOIN #tea")
        user.received(), peer.received()
        self.assertEqual(self.authenticate(user, "foo"), ["900", "903"])
        self.assertEqual(
            peer.received(), ["@account=foo :user!user@chatroom ACCOUNT foo"]
        )
        self.assertEqual(self.authenticate(user, "jilles"), ["900", "903"])
        self.assertEqual(
            peer.received(), ["@account=jilles :user!user@chatroom ACCOUNT jilles"]
        )
        user.send("PRIVMSG #tea :hi")
        self.assertEqual(tags_of(peer.received()[0]), {"account": "jilles"})

    def test_wrong_password_keeps_the_session(self) -> None:
        """A failed SASL after registration is 904 and nothing else: still
        connected, still not signed in."""
        self.account("foo")
        user = self.irc()
        user.send("CAP REQ :sasl", "NICK user", "USER u 0 * :U", "CAP END")
        user.received()
        user.send("AUTHENTICATE PLAIN")
        user.received()
        bad = base64.b64encode(b"foo\0foo\0wrong-password").decode()
        user.send(f"AUTHENTICATE {bad}")
        self.assertEqual([line.split(" ")[1] for line in user.received()], ["904"])
        self.assertFalse(user.closing)
        self.assertEqual(self.server.registry.sessions.account_of(user.session), "")
