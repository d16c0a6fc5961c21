"""Accounts from IRC: reserved services names, NickServ as Ergo's built-in
one answers, and IRCv3 ``draft/account-registration``.

NickServ's behaviour follows Ergo's ``irc/nickserv.go``; the
``REGISTER`` tests mirror irctest's ``account_registration.py``; the
sign-in back-off is the line door's (:class:`chatroom.core.accounts.accounts.Accounts`).
"""

from __future__ import annotations

from dataclasses import replace

from twisted.internet import defer

from chatroom.doors.irc.services import HELP
from tests.backends.contracts.mailbox import KeptLetters
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_conformance import ConformanceCase, params
from tests.doors.irc.test_irc_moderation import PASSWORD
from tests.support import FakeClient

NS = ":NickServ!NickServ@My.Little.Server NOTICE"


class ReservedNamesTests(ConformanceCase):
    """Services names are nobody's, at every door."""

    def test_irc_nick(self) -> None:
        """NICK NickServ (any case) is 432 at registration and after."""
        client = IRCClient(self.factory)
        client.send("NICK nickserv", "USER x 0 * :x")
        (line,) = client.received()
        self.assertIn(" 432 * nickserv :", line)
        self.assertIn("reserved for the server's services", line)
        foo = self.irc("foo")
        for name in (
            "ChanServ",
            "GLOBAL",
            "operserv",
            "MemoServ",
            "HostServ",
            "BotServ",
            "SaslServ",
        ):
            foo.send(f"NICK {name}")
            self.assertEqual(foo.numerics(), ["432"])

    def test_line_door(self) -> None:
        """The line door refuses them as names, and as /register names."""
        line = self.line("lina")
        line.send("/nick NickServ")
        self.assertEqual(
            line.received(),
            ["ERR BAD_NAME NickServ is reserved for the server's services"],
        )
        fresh = FakeClient(self.server)
        fresh.received()
        fresh.send("ChanServ")
        self.assertTrue(fresh.received()[0].startswith("ERR BAD_NAME "))


class NickServTests(ConformanceCase):
    """NickServ's commands, by PRIVMSG and by NS/NICKSERV."""

    def test_register_and_identify(self) -> None:
        """REGISTER makes the nick an account and logs in (900);
        IDENTIFY on another connection logs in to it, the wrong
        password is refused with NickServ's notice, not a numeric."""
        foo = self.irc("foo")
        foo.send(f"PRIVMSG NickServ :REGISTER {PASSWORD}")
        lines = foo.received()
        self.assertEqual(lines[0], f"{NS} foo :Account created")
        self.assertEqual(params(lines[1])[2], "foo")
        self.assertEqual(lines[1].split(" ")[1], "900")
        self.assertEqual(lines[2], f"{NS} foo :You're now logged in as foo")
        foo.send(f"NS REGISTER {PASSWORD}")
        self.assertIn("REGISTER: foo is registered", foo.received()[0])
        other = self.irc("other")
        other.send("NICKSERV IDENTIFY foo wrong-password")
        self.assertEqual(other.received(), [f"{NS} other :IDENTIFY: wrong password"])
        other.send(f"PRIVMSG NickServ :IDENTIFY foo {PASSWORD}")
        self.assertEqual(other.numerics(), ["900", "NOTICE"])
        other.send("WHOIS other")
        self.assertIn("330", other.numerics())

    def test_registering_while_signed_in_elsewhere(self) -> None:
        """Registering the nick you hold while signed in to another account
        is refused with the core's words, as the line door's ``/register``
        (one rule for both: chatroom.core.registering)."""
        foo = self.irc("foo")
        foo.send(f"NS REGISTER {PASSWORD}")
        foo.received()
        foo.send("NICK bar")
        foo.received()
        foo.send(f"NS REGISTER {PASSWORD}")
        refusal = "REGISTER: you are signed in to foo already"
        self.assertEqual(foo.received(), [f"{NS} bar :{refusal}"])
        line = self.line("lina")
        line.send(f"/register {PASSWORD}")
        self.assertEqual(line.received(), ["REGISTERED lina"])
        line.send("/nick linda")
        line.received()
        line.send(f"/register {PASSWORD}")
        self.assertEqual(
            line.received(),
            ["ERR NOT_ALLOWED you are signed in to lina already"],
        )

    def test_identify_back_off(self) -> None:
        """Wrong passwords by IDENTIFY count toward the same back-off as
        the line door's /login: past the free tries, even the right one
        waits."""
        self.account("val")
        guesser = self.irc("guesser")
        for _ in range(5):
            guesser.send("NS IDENTIFY val nope-nope")
        guesser.received()
        guesser.send(f"NS IDENTIFY val {PASSWORD}")
        (line,) = guesser.received()
        self.assertIn("too many failed sign-ins", line)

    def test_ghost(self) -> None:
        """GHOST (and RECOVER) takes your nick from another session of your
        account: that one is closed, you get the nick; refused for a nick
        that is not yours or when not logged in."""
        self.account("val")
        first = IRCClient(self.factory)
        first.send(f"PASS {PASSWORD}", "NICK val", "USER v 0 * :v")
        second = self.irc("val2")
        second.send("NS GHOST val")
        self.assertEqual(
            second.received(),
            [f"{NS} val2 :GHOST: you are not signed in to an account"],
        )
        second.send(f"NS IDENTIFY val {PASSWORD}")
        second.received()
        second.send("NS GHOST someone")
        self.assertEqual(
            second.received(), [f"{NS} val2 :GHOST: you don't own that nick"]
        )
        second.send("NS RECOVER val")
        self.assertEqual(
            second.received(),
            [
                ":val2!val2@My.Little.Server NICK :val",
                f"{NS} val :You have regained the nickname val",
            ],
        )
        self.assertTrue(first.closing)

    def test_set_password_and_drop(self) -> None:
        """SET PASSWORD needs the current one; DROP deletes the account
        (INFO then knows none)."""
        foo = self.irc("foo")
        foo.send(f"NS REGISTER {PASSWORD}")
        foo.received()
        foo.send("NS SET PASSWORD wrong-password new-password")
        self.assertEqual(foo.received(), [f"{NS} foo :SET: wrong password"])
        foo.send(f"NS SET PASSWORD {PASSWORD} new-password")
        self.assertEqual(foo.received(), [f"{NS} foo :Password changed for foo"])
        foo.send("NS PASSWD new-password other-password different")
        self.assertEqual(foo.received(), [f"{NS} foo :PASSWD: passwords do not match"])
        foo.send("NS INFO")
        self.assertEqual(foo.received()[0], f"{NS} foo :Account: foo")
        foo.send(f"NS DROP {PASSWORD}")
        self.assertEqual(foo.received(), [f"{NS} foo :DROP: wrong password"])
        foo.send("NS DROP new-password")
        self.assertEqual(
            foo.received(), [f"{NS} foo :Account foo dropped: you are logged out"]
        )
        foo.send("NS INFO foo")
        self.assertEqual(foo.received(), [f"{NS} foo :INFO: nobody has registered foo"])

    def test_drop_ends_the_accounts_other_devices(self) -> None:
        """DROP from one device of val: another IRC device of the same
        nick, a line device of the same seat and an IRC device signed in
        to val as val2 are all closed, told the account is deleted; the
        one that dropped it is answered, stays, and is signed in to
        nothing (INFO knows no account)."""
        self.account("val")
        dropping, beside = IRCClient(self.factory), IRCClient(self.factory)
        for client in (dropping, beside):
            client.send(f"PASS {PASSWORD}", "NICK val", "USER v 0 * :v")
            client.received()
        line = FakeClient(self.server)
        line.send(f"/login val {PASSWORD}")
        self.assertTrue(any(x.startswith("WELCOME val") for x in line.received()))
        renamed = self.irc("val2")
        renamed.send(f"NS IDENTIFY val {PASSWORD}")
        renamed.received()
        dropping.send(f"NS DROP {PASSWORD}")
        self.assertEqual(
            dropping.received(), [f"{NS} val :Account val dropped: you are logged out"]
        )
        for client in (beside, renamed):
            self.assertIn(
                "ERROR :Closing Link: 127.0.0.1 (account val deleted)",
                client.received(),
            )
            self.assertTrue(client.closing)
        self.assertIn("BYE account val deleted", line.received())
        self.assertTrue(line.closing)
        self.assertFalse(dropping.closing)
        dropping.send("NS INFO val")
        self.assertEqual(
            dropping.received(), [f"{NS} val :INFO: nobody has registered val"]
        )

    def test_notice_to_nickserv_is_not_answered(self) -> None:
        """A NOTICE to NickServ is never answered (RFC 1459 4.4.2)."""
        foo = self.irc("foo")
        foo.send("NOTICE NickServ :HELP")
        self.assertEqual(foo.received(), [])
        foo.send("PRIVMSG NickServ :HELP")
        self.assertEqual(len(foo.received()), len(HELP))


class AccountRegistrationTests(ConformanceCase):
    """draft/account-registration, as irctest's account_registration.py."""

    def test_register_default_name(self) -> None:
        """The cap is offered without email-required; ``REGISTER * *`` is
        ``REGISTER SUCCESS`` for the nick (testRegisterDefaultName), and
        ``900``; registering it again is ACCOUNT_EXISTS."""
        bar = IRCClient(self.factory)
        bar.send("CAP LS 302")
        offered = params(bar.received()[0])[-1].split()
        self.assertIn("draft/account-registration", offered)
        bar.send(
            "CAP REQ :draft/account-registration",
            "NICK bar",
            "USER b 0 * :b",
            "CAP END",
        )
        bar.received()
        bar.send("REGISTER * * shivarampassphrase")
        lines = bar.received()
        self.assertEqual(params(lines[0]), ("SUCCESS", "bar", "Account created"))
        self.assertEqual(lines[1].split(" ")[1], "900")
        again = self.irc("other")
        again.send("REGISTER other * shivarampassphrase")
        again.received()
        again.send("NICK bar")
        self.assertEqual(again.numerics(), ["433"])

    def test_register_refusals(self) -> None:
        """Another name than the nick is ACCOUNT_NAME_MUST_BE_NICK
        (testRegisterDifferentName); before the connection completes,
        COMPLETE_CONNECTION_REQUIRED (testBeforeConnect without
        before-connect); a short password UNACCEPTABLE_PASSWORD; VERIFY
        of a code never mailed is INVALID_CODE."""
        bar = self.irc("bar")
        bar.send("REGISTER foo * shivarampassphrase")
        self.assertEqual(
            params(bar.received()[0])[:3],
            ("REGISTER", "ACCOUNT_NAME_MUST_BE_NICK", "foo"),
        )
        bar.send("REGISTER bar * short")
        self.assertEqual(
            params(bar.received()[0])[:2], ("REGISTER", "UNACCEPTABLE_PASSWORD")
        )
        early = IRCClient(self.factory)
        early.send("NICK early", "REGISTER * * shivarampassphrase")
        line = early.received()[0]
        self.assertEqual(line.split(" ")[1], "FAIL")
        self.assertEqual(params(line)[:2], ("REGISTER", "COMPLETE_CONNECTION_REQUIRED"))
        bar.send("VERIFY bar 12345")
        self.assertEqual(params(bar.received()[0])[:2], ("VERIFY", "INVALID_CODE"))
        bar.send(f"REGISTER * * {PASSWORD}")
        bar.received()
        bar.send(f"REGISTER * * {PASSWORD}")
        self.assertEqual(params(bar.received()[0])[1], "ACCOUNT_EXISTS")


class RequireEmailTests(ConformanceCase):
    """``--require-email``: draft/account-registration's ``email-required``,
    ``REGISTER VERIFICATION_REQUIRED`` and ``VERIFY``, as irctest's
    account_registration.py and Ergo; NickServ's REGISTER and VERIFY."""

    config = replace(ConformanceCase.config, require_email=True)

    def setUp(self) -> None:
        super().setUp()
        self.letters = KeptLetters()
        self.server.mailbox.mailer = self.letters

    def test_register_then_verify(self) -> None:
        """The capability says ``email-required``; REGISTER without an
        address is INVALID_EMAIL; with one, VERIFICATION_REQUIRED and no
        ``900``, the code mailed there; a wrong code is INVALID_CODE; the
        right one VERIFY SUCCESS and ``900``; a sign-in elsewhere waits
        for it."""
        bar = IRCClient(self.factory)
        bar.send("CAP LS 302")
        offered = params(bar.received()[0])[-1].split()
        self.assertIn("draft/account-registration=email-required", offered)
        bar.send("CAP REQ :draft/account-registration", "NICK bar", "USER b 0 * :b")
        bar.send("CAP END")
        bar.received()
        bar.send("REGISTER * * shivarampassphrase")
        self.assertEqual(params(bar.received()[0])[:2], ("REGISTER", "INVALID_EMAIL"))
        bar.send("REGISTER * bar@example.org shivarampassphrase")
        lines = bar.received()
        self.assertEqual(lines[0].split(" ")[1], "REGISTER")
        self.assertEqual(params(lines[0])[:2], ("VERIFICATION_REQUIRED", "bar"))
        self.assertFalse([line for line in lines if " 900 " in line])
        self.assertEqual(self.letters.letters[-1].to, "bar@example.org")
        other = self.line("lina")
        other.send("/quit")
        elsewhere = FakeClient(self.server)
        elsewhere.received()
        elsewhere.send("/login bar shivarampassphrase")
        self.assertTrue(elsewhere.received()[0].startswith("ERR EMAIL_REQUIRED "))
        bar.send("VERIFY bar WRONGCODE2")
        self.assertEqual(
            params(bar.received()[0])[:3], ("VERIFY", "INVALID_CODE", "bar")
        )
        bar.send(f"VERIFY bar {self.letters.code()}")
        lines = bar.received()
        self.assertEqual(
            params(lines[0]), ("SUCCESS", "bar", "Account verification successful")
        )
        self.assertEqual(lines[1].split(" ")[1], "900")
        elsewhere.send("/login bar shivarampassphrase")
        self.assertIn("WELCOME bar", elsewhere.received())

    def test_nickserv_register_and_verify(self) -> None:
        """NickServ's REGISTER needs an address here, and VERIFY its code."""
        foo = self.irc("foo")
        foo.send("PRIVMSG NickServ :REGISTER shivarampassphrase")
        self.assertIn("e-mail address is required", foo.received()[0])
        foo.send("PRIVMSG NickServ :REGISTER shivarampassphrase foo@example.org")
        said = foo.received()
        self.assertIn("Account created", said[0])
        self.assertIn("VERIFY foo <code>", said[1])
        self.assertFalse([line for line in said if " 900 " in line])
        foo.send(f"PRIVMSG NickServ :VERIFY foo {self.letters.code()}")
        said = foo.received()
        self.assertIn("foo@example.org is verified for foo", said[0])
        self.assertEqual(said[1].split(" ")[1], "900")


class RegisterBeforeConnectTests(ConformanceCase):
    """``--irc-register-before-connect``: draft/account-registration's
    ``before-connect``, as irctest's RegisterBeforeConnectTestCase and
    RegisterNoLandGrabsTestCase."""

    config = replace(ConformanceCase.config, irc_register_before_connect=True)

    def test_register_before_connecting(self) -> None:
        """The capability says ``before-connect``; ``REGISTER`` after
        ``NICK`` and before ``USER`` is ``REGISTER SUCCESS`` and ``900``;
        the connection then completes under the account, with no second
        claim of the nick (no ``NICK`` line of its own)."""
        bar = IRCClient(self.factory)
        bar.send("CAP LS 302")
        offered = params(bar.received()[0])[-1].split()
        self.assertIn("draft/account-registration=before-connect", offered)
        bar.send("REGISTER * * shivarampassphrase")
        self.assertEqual(params(bar.received()[0])[:2], ("REGISTER", "NEED_NICK"))
        bar.send("NICK bar", "REGISTER * * shivarampassphrase")
        lines = bar.received()
        self.assertEqual(params(lines[0]), ("SUCCESS", "bar", "Account created"))
        self.assertEqual(lines[1].split(" ")[1:3], ["900", "*"])
        bar.send("REGISTER * * shivarampassphrase")
        self.assertEqual(
            params(bar.received()[0])[:2], ("REGISTER", "ALREADY_AUTHENTICATED")
        )
        bar.send("USER b 0 * :b", "CAP END")
        lines = bar.received()
        self.assertIn(":My.Little.Server 001 bar ", lines[0])
        self.assertFalse([x for x in lines if " NICK " in x or " 900 " in x])
        self.assertEqual(self.server.registry.sessions.account_of(bar.session), "bar")

    def test_no_land_grabs(self) -> None:
        """A nick an anonymous user holds cannot be registered from under
        them before connecting (ACCOUNT_EXISTS), and no account is left."""
        self.irc("root")
        bar = IRCClient(self.factory)
        bar.send("NICK root", "REGISTER * * shivarampassphrase")
        lines = bar.received()
        self.assertEqual(params(lines[0])[:2], ("REGISTER", "ACCOUNT_EXISTS"))
        self.assertIsNone(
            self.successResultOf(
                defer.ensureDeferred(self.server.registry.accounts.store.get("root"))
            )
        )
