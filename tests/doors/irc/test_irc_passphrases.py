"""Passphrases at the IRC door: NickServ takes the rest of its message as
the password (as Ergo reads its "unsplit" last parameter), two passwords
in double quotes; ``REGISTER``, ``PASS`` and ``OPER`` join a passphrase
sent as words; a passphrase registered here signs in at the line door.
"""

from __future__ import annotations

from dataclasses import replace

from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_conformance import ConformanceCase, params
from tests.support import FakeClient

NS = ":NickServ!NickServ@My.Little.Server NOTICE"
PHRASE = "correct horse battery staple"


class NickServPassphraseTests(ConformanceCase):
    guests = 0

    def identified(self, account: str, password: str) -> list[str]:
        """What NickServ answers ``IDENTIFY ACCOUNT PASSWORD`` from a new
        connection (numerics and notices)."""
        self.guests += 1
        other = self.irc(f"guest{self.guests}")
        other.send(f"PRIVMSG NickServ :IDENTIFY {account} {password}")
        return other.numerics()

    def logs_in_at_the_line_door(self, name: str, password: str) -> bool:
        client = FakeClient(self.server)
        client.received()  # HELLO
        client.send(f"/login {name} {password}")
        welcomed = client.received()[:1] == [f"WELCOME {name}"]
        client.send("/quit")
        return welcomed

    def test_register_and_identify_with_a_passphrase(self) -> None:
        """REGISTER takes the whole phrase (a last word with an ``@`` is
        the e-mail); IDENTIFY ACCOUNT PHRASE logs in; the line door's
        /login takes it too."""
        foo = self.irc("foo")
        foo.send(f"PRIVMSG NickServ :REGISTER {PHRASE}")
        self.assertEqual(foo.received()[0], f"{NS} foo :Account created")
        self.assertEqual(self.identified("foo", PHRASE), ["900", "NOTICE"])
        self.assertEqual(self.identified("foo", "correct"), ["NOTICE"])
        self.assertTrue(self.logs_in_at_the_line_door("foo", PHRASE))
        bar = self.irc("bar")
        bar.send(f"NS REGISTER {PHRASE} bar@example.org")
        self.assertEqual(bar.received()[0], f"{NS} bar :Account created")
        self.assertEqual(self.identified("bar", PHRASE), ["900", "NOTICE"])

    def test_set_password_and_drop_with_passphrases(self) -> None:
        """SET PASSWORD and PASSWD take two quoted passphrases; DROP takes
        the phrase, after the account's name or alone."""
        foo = self.irc("foo")
        foo.send(f"NS REGISTER {PHRASE}")
        foo.received()
        foo.send(f'NS SET PASSWORD "{PHRASE}" "tea and biscuits"')
        self.assertEqual(foo.received(), [f"{NS} foo :Password changed for foo"])
        foo.send('NS PASSWD "tea and biscuits" "a new phrase" "a new phrase"')
        self.assertEqual(foo.received(), [f"{NS} foo :Password changed for foo"])
        self.assertEqual(self.identified("foo", "a new phrase"), ["900", "NOTICE"])
        foo.send("NS DROP foo tea and biscuits")
        self.assertEqual(foo.received(), [f"{NS} foo :DROP: wrong password"])
        foo.send("NS DROP foo a new phrase")
        self.assertEqual(
            foo.received(), [f"{NS} foo :Account foo dropped: you are logged out"]
        )
        bar = self.irc("bar")
        bar.send(f"NS REGISTER {PHRASE}")
        bar.received()
        bar.send(f"NS DROP {PHRASE}")
        self.assertEqual(
            bar.received(), [f"{NS} bar :Account bar dropped: you are logged out"]
        )


class RegisterAndPassPassphraseTests(ConformanceCase):
    def test_register_with_a_passphrase_then_pass_and_the_line_door(self) -> None:
        """IRCv3 ``REGISTER * * :PHRASE`` registers the whole phrase, and
        one sent as words too; ``PASS`` signs in with the phrase, as a
        last parameter or in words; so does the line door's /login."""
        bar = self.irc("bar")
        bar.send(f"REGISTER * * :{PHRASE}")
        self.assertEqual(params(bar.received()[0])[:2], ("SUCCESS", "bar"))
        baz = self.irc("baz")
        baz.send("REGISTER * * tea and biscuits please")
        self.assertEqual(params(baz.received()[0])[:2], ("SUCCESS", "baz"))
        for given in (f"PASS :bar:{PHRASE}", "PASS baz:tea and biscuits please"):
            client = IRCClient(self.factory)
            nick = given.split(":")[-2].split()[-1]
            client.send(given, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
            self.assertIn("900", client.numerics(), given)
        line = FakeClient(self.server)
        line.received()  # HELLO
        line.send("/login baz tea and biscuits please")
        self.assertEqual(line.received()[0], "WELCOME baz")


class OperPassphraseTests(ConformanceCase):
    config = replace(ConformanceCase.config, admins=("boss",))

    def test_oper_with_a_passphrase(self) -> None:
        """``OPER boss :PHRASE`` signs in to the admin account; so does the
        phrase sent as words, and not its first word alone."""
        self.account("boss", PHRASE)
        for sent, numeric in [
            (f"OPER boss :{PHRASE}", "381"),
            (f"OPER boss {PHRASE}", "381"),
            ("OPER boss correct", "464"),
        ]:
            ircop = self.irc(f"ircop{len(sent)}")
            ircop.send(sent)
            self.assertIn(numeric, ircop.numerics(), sent)
