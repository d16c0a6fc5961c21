"""App passwords at the IRC door: NickServ's ``APP-PASSWORD ADD|LIST|DEL``,
and an app password signing in by SASL ``PLAIN`` and by nothing else
(``PASS``, NickServ's ``IDENTIFY``, ``OPER``)."""

from __future__ import annotations

import base64
import re

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase

NS = ":NickServ!NickServ@chatroom NOTICE"


class AppPasswordTests(AccountsCase):
    config = ServerConfig(rate=0, admins=("boss",))

    def made(self, client: IRCClient, nick: str, label: str) -> str:
        """``NS APP-PASSWORD ADD label`` from ``client``: the password told."""
        client.send(f"NS APP-PASSWORD ADD {label}")
        told, once = client.received()
        found = re.fullmatch(f"{NS} {nick} :App password {label}: (\\S+)", told)
        assert found is not None, told
        self.assertIn("shown this once", once)
        return found.group(1)

    def sasl(self, account: str, password: str) -> list[str]:
        """A new client's SASL PLAIN as ``account`` (on each node in turn,
        on two): the numerics answered."""
        client = IRCClient(self.next_door())
        client.send("CAP REQ :sasl", "NICK someone", "USER s 0 * :S")
        client.send("AUTHENTICATE PLAIN")
        client.received()
        payload = base64.b64encode(f"{account}\0{account}\0{password}".encode())
        client.send(f"AUTHENTICATE {payload.decode()}")
        return [line.split(" ")[1] for line in client.received()]

    def test_sasl_plain_signs_in_with_an_app_password(self) -> None:
        """NickServ makes one (told once), lists it by label, and ends it;
        SASL PLAIN signs in with it while it is kept."""
        self.account("alice")
        alice = self.signed_in("alice")
        password = self.made(alice, "alice", "weechat")
        self.assertEqual(self.sasl("alice", password), ["900", "903"])
        alice.send("NS APP-PASSWORD LIST")
        listed = alice.received()
        self.assertRegex(listed[0], f"^{NS} alice :weechat, made \\d{{4}}-")
        self.assertEqual(listed[1], f"{NS} alice :1 app passwords")
        self.assertNotIn(password, " ".join(listed))
        alice.send("NS APP-PASSWORD DEL weechat")
        self.assertEqual(
            alice.received(), [f"{NS} alice :App password weechat removed"]
        )
        self.assertEqual(self.sasl("alice", password), ["904"])

    def test_a_sasl_session_makes_none(self) -> None:
        """Signed in by SASL PLAIN with an app password, NickServ's
        APP-PASSWORD ADD and DEL are refused (LIST is not); IDENTIFY with
        the account's own password lifts it."""
        self.account("alice")
        alice = self.signed_in("alice")
        password = self.made(alice, "alice", "weechat")
        client = IRCClient(self.next_door())
        client.send("CAP REQ :sasl", "NICK alice", "USER a 0 * :A")
        client.send("AUTHENTICATE PLAIN")
        payload = base64.b64encode(f"alice\0alice\0{password}".encode())
        client.send(f"AUTHENTICATE {payload.decode()}", "CAP END")
        client.received()
        client.send("NS APP-PASSWORD ADD more")
        [refused] = client.received()
        self.assertIn("APP-PASSWORD: APP-PASSWORD ADD takes a sign-in", refused)
        self.assertIn("not an app password (weechat)", refused)
        client.send("NS APP-PASSWORD LIST")
        self.assertIn("weechat, made", client.received()[0])
        client.send(f"NS IDENTIFY alice {PASSWORD}")
        client.received()
        self.made(client, "alice", "more")

    def test_nothing_else_takes_it(self) -> None:
        """PASS, NickServ IDENTIFY and OPER refuse an app password (an
        admin's too); SET PASSWORD does not take it as the current one."""
        self.account("boss")
        boss = self.signed_in("boss")
        password = self.made(boss, "boss", "irssi")
        passing = IRCClient(self.factory)
        passing.send(f"PASS {password}", "NICK boss", "USER b 0 * :B")
        self.assertIn("464", passing.numerics())
        other = self.irc("other")
        other.send(f"PRIVMSG NickServ :IDENTIFY boss {password}")
        self.assertEqual(other.received(), [f"{NS} other :IDENTIFY: wrong password"])
        other.send(f"OPER boss {password}")
        self.assertIn("464", other.numerics())
        boss.send(f"NS SET PASSWORD {password} new-password-here")
        self.assertEqual(boss.received(), [f"{NS} boss :SET: wrong password"])
        self.assertEqual(self.sasl("boss", PASSWORD), ["900", "903"])

    def test_a_plain_nick_has_none(self) -> None:
        guest = self.irc("guest")
        guest.send("NS APP-PASSWORD ADD irssi")
        self.assertEqual(
            guest.received(),
            [f"{NS} guest :APP-PASSWORD: you are not signed in to an account"],
        )


class MailSettingTests(AccountsCase):
    def test_set_mail_off_and_on(self) -> None:
        """NickServ's ``SET MAIL OFF`` is the account's ``/set mail off``:
        the account's settings say so; ``ON`` again."""
        self.account("alice")
        alice = self.signed_in("alice")
        alice.send("NS SET MAIL OFF")
        self.assertEqual(
            alice.received(),
            [f"{NS} alice :What you miss while away is not mailed"],
        )
        settings = self.server.registry.users.settings
        kept = self.successResultOf(defer.ensureDeferred(settings.settings("alice")))
        self.assertEqual(kept.get("mail missed"), "off")
        alice.send("NS SET MAIL ON")
        self.assertEqual(
            alice.received(), [f"{NS} alice :What you miss while away is mailed"]
        )
