"""Bot accounts and ``RELAYMSG`` at the IRC door.

A bot signs in with its token by SASL ``PLAIN`` and by ``PASS
NAME:TOKEN``; it is in bot mode (``+B``): its messages carry ``@bot``,
``WHOIS`` says ``335``, ``WHO`` flags it ``B``; a bot signed in at the
line door is one to IRC's ``WHOIS`` too.

``RELAYMSG #chan NICK :TEXT`` (Ergo's ``draft/relaymsg``, offered as
``draft/relaymsg=/``) is a relay bot's (``--relay``) or an admin's, and
refused ``FAIL RELAYMSG PRIVS_NEEDED`` to anyone else; a relayed nick
holds ``/`` (``FAIL RELAYMSG INVALID_NICK``); every member sees the
``PRIVMSG`` from ``NICK!~u@chatroom`` (tagged ``draft/relaymsg=<relayer>``
for ``message-tags`` and ``draft/relaymsg`` clients), the relayer too, the
line door ``MSG`` from NICK (``rich``: ``relay=<relayer>``), and the
history gives it back the same way.

On two nodes: ``tests/cluster/test_irc_two_nodes.py``.
"""

from __future__ import annotations

import base64
import re

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import AccountsCase
from tests.support import FakeClient


class BotCase(AccountsCase):
    config = ServerConfig(rate=0, admins=("boss",))

    def bot(self, name: str, relay: bool = False) -> str:
        """Bot ``name`` made by the operator: its token."""
        bots = self.server.registry.accounts.bots
        _, token = self.successResultOf(
            defer.Deferred.fromCoroutine(bots.add(name, relay=relay))
        )
        return str(token)

    def sasl(self, name: str, token: str, caps: str = "") -> IRCClient:
        """A new IRC client signed in as ``name`` by SASL PLAIN (and the
        capabilities ``caps``), registered, its welcome read."""
        client = IRCClient(self.next_door())
        client.send(f"CAP REQ :sasl {caps}".rstrip(), f"NICK {name}", "USER b 0 * :B")
        client.send("AUTHENTICATE PLAIN")
        payload = base64.b64encode(f"{name}\0{name}\0{token}".encode()).decode()
        client.send(f"AUTHENTICATE {payload}")
        numerics = client.numerics()
        self.assertIn("903", numerics)
        client.send("CAP END")
        self.assertIn(f":chatroom 001 {name} ", client.received()[0])
        return client

    def tagged(self, nick: str) -> IRCClient:
        client = IRCClient(self.next_door())
        client.send("CAP REQ :message-tags", f"NICK {nick}", f"USER {nick} 0 * :N")
        client.send("CAP END")
        client.received()
        return client


class IRCBotAccountTests(BotCase):
    def test_a_bot_signs_in_by_sasl_and_pass_and_is_marked(self) -> None:
        """SASL PLAIN with the token: 900/903; a wrong token 904; ``PASS
        NAME:TOKEN`` signs in too. The bot is ``+B``: a ``message-tags``
        member sees ``@bot`` on its message, a plain one the plain
        PRIVMSG; ``WHOIS`` says ``335``; ``WHO`` flags it ``B``."""
        token = self.bot("deployer")
        wrong = IRCClient(self.next_door())
        wrong.send("CAP REQ :sasl", "NICK deployer", "USER b 0 * :B")
        wrong.send("AUTHENTICATE PLAIN")
        payload = base64.b64encode(f"deployer\0deployer\0{token}x".encode()).decode()
        wrong.send(f"AUTHENTICATE {payload}")
        self.assertIn("904", wrong.numerics())
        bot = self.sasl("deployer", token)
        tags = self.tagged("tagger")
        plain = self.irc("plain")
        for client in (bot, tags, plain):
            client.send("JOIN #ops")
        for client in (bot, tags, plain):
            client.received()
        bot.send("PRIVMSG #ops :deployed")
        [seen] = [line for line in tags.received() if "PRIVMSG" in line]
        self.assertRegex(
            seen, r"^@(\S+;)?bot(;\S+)? :deployer!\S+ PRIVMSG #ops :deployed$"
        )
        self.assertEqual(
            [line for line in plain.received() if "PRIVMSG" in line],
            [":deployer!deployer@chatroom PRIVMSG #ops :deployed"],
        )
        plain.send("WHOIS deployer")
        self.assertIn("335", plain.numerics())
        plain.send("WHO #ops")
        [who] = [
            line for line in plain.received() if " 352 " in line and "deployer" in line
        ]
        self.assertRegex(who, r" deployer H\S*B")
        passing = IRCClient(self.next_door())
        bot.send("QUIT :bye")
        passing.send(f"PASS deployer:{token}", "NICK deployer", "USER d 0 * :D")
        lines = passing.received()
        self.assertIn(":chatroom 001 deployer ", lines[0])
        self.assertTrue(any(" 900 " in line for line in lines), lines)

    def test_a_removed_bot_is_disconnected_and_its_token_stops(self) -> None:
        """A bot signed in (on the other node, on two) is removed through
        the first: its connection is closed saying ``bot removed by``, its
        channel hears it go, and SASL with its token fails (904)."""
        token = self.bot("gone")
        other = self.irc("other")
        bot = self.sasl("gone", token)
        for client in (other, bot):
            client.send("JOIN #ops")
        other.received()
        bot.received()
        bots = self.server.registry.accounts.bots
        self.successResultOf(defer.Deferred.fromCoroutine(bots.remove("gone", "op")))
        told = " ".join(bot.received())
        self.assertIn("bot removed by op", told)
        self.assertTrue(bot.closing)
        self.assertTrue(
            any(" QUIT " in line or " PART " in line for line in other.received())
        )
        again = IRCClient(self.next_door())
        again.send("CAP REQ :sasl", "NICK gone", "USER b 0 * :B")
        again.send("AUTHENTICATE PLAIN")
        payload = base64.b64encode(f"gone\0gone\0{token}".encode()).decode()
        again.send(f"AUTHENTICATE {payload}")
        self.assertIn("904", again.numerics())

    def test_a_line_door_bot_is_one_to_whois(self) -> None:
        """A bot signed in at the line door (in a room, where ``WHOIS``
        finds a user of another door): ``WHOIS`` from IRC says 335."""
        token = self.bot("liner")
        line = FakeClient(self.next_server())
        line.send(f"/login liner {token}")
        line.send("/create ops")
        got = line.received()
        self.assertTrue(any(s.startswith("WELCOME liner") for s in got), got)
        asker = self.irc("asker")
        asker.send("WHOIS liner")
        self.assertIn("335", asker.numerics())

    def who_flags(self, asker: IRCClient, target: str, nick: str) -> set[str]:
        """The flags ``WHO target`` shows ``nick`` with, without the channel
        prefix: plain (``352``) and WHOX (``354``, ``%nf``)."""
        asker.send(f"WHO {target}")
        [plain] = [s for s in asker.received() if " 352 " in s and f" {nick} " in s]
        asker.send(f"WHO {target} %nf,7")
        [whox] = [s for s in asker.received() if " 354 " in s and f" {nick} " in s]
        flags = {plain.split(" ")[8], whox.split(" ")[-1].lstrip(":")}
        return {shown.rstrip("@+") for shown in flags}

    def test_who_flags_a_line_door_bot_b(self) -> None:
        """A bot signed in at the line door is ``B`` in ``WHO #chan``, ``WHO
        nick`` and ``WHO mask``, plain and WHOX (on two nodes, the asker on
        the other node); a person beside it is not."""
        token = self.bot("liner")
        line = FakeClient(self.next_server())
        line.send(f"/login liner {token}")
        line.send("/create ops")
        self.assertTrue(any(s.startswith("WELCOME liner") for s in line.received()))
        person = FakeClient(self.next_server())
        person.send("walker")
        person.send("/join ops")
        asker = self.irc("asker")
        asker.send("JOIN #ops")
        asker.received()
        for target in ("#ops", "liner", "lin*"):
            self.assertEqual(self.who_flags(asker, target, "liner"), {"HB"})
        self.assertEqual(self.who_flags(asker, "#ops", "walker"), {"H"})

    def test_who_and_whois_flag_a_standing_bot(self) -> None:
        """A bot in a room through the REST API, with no connection
        (joined through the first node; asked on the second, on two):
        ``WHO`` flags it ``B`` and ``WHOIS`` says ``335``."""
        self.bot("stander")
        self.next_door()  # the asker on the other node, on two
        asker = self.irc("asker")
        asker.send("JOIN #ops")
        asker.received()
        api = self.servers[0].registry.bot_api
        self.successResultOf(
            defer.Deferred.fromCoroutine(api.join("stander", "ops", None))
        )
        self.assertIn(":stander!", " ".join(asker.received()))
        for target in ("#ops", "stander", "stand*"):
            self.assertEqual(self.who_flags(asker, target, "stander"), {"HB"})
        asker.send("WHOIS stander")
        self.assertIn("335", asker.numerics())


class RelayMsgTests(BotCase):
    def relay_room(
        self,
    ) -> tuple[IRCClient, IRCClient, IRCClient, FakeClient, FakeClient]:
        """#bridge with the relay bot (SASL), a message-tags member, a
        plain IRC member, a rich line member and a plain line one."""
        relay = self.sasl("bridge", self.bot("bridge", relay=True), "message-tags")
        tags = self.tagged("tagger")
        plain = self.irc("plain")
        rich = FakeClient(self.next_server())
        rich.send("richie")
        rich.send("/caps rich")
        dull = FakeClient(self.next_server())
        dull.send("dull")
        for client in (relay, tags, plain):
            client.send("JOIN #bridge")
        for line in (rich, dull):
            line.send("/join bridge")
        for each in (relay, tags, plain, rich, dull):
            each.received()
        return relay, tags, plain, rich, dull

    def test_offered(self) -> None:
        client = IRCClient(self.next_door())
        client.send("CAP LS 302")
        listed = " ".join(client.received())
        self.assertIn("draft/relaymsg=/", listed.split(":", 2)[-1].split())

    def test_a_relay_bot_relays_and_everyone_sees_the_relayed_nick(self) -> None:
        """The relay bot's ``RELAYMSG #bridge carol/matrix :hello``, with a
        client-only tag: the ``message-tags`` member (and the relayer) get
        ``draft/relaymsg=bridge`` and the tag; the plain one the PRIVMSG
        from ``carol/matrix!~u@chatroom``; the line door ``MSG bridge
        carol/matrix``, ``rich`` with ``relay=bridge``; the history gives
        it back as said."""
        relay, tags, plain, rich, dull = self.relay_room()
        relay.send("@+example/x=1 RELAYMSG #bridge carol/matrix :hello from matrix")
        source = ":carol/matrix!~u@chatroom PRIVMSG #bridge :hello from matrix"
        for client in (relay, tags):
            [seen] = [line for line in client.received() if "PRIVMSG" in line]
            head, _, rest = seen.partition(" ")
            self.assertEqual(rest, source)
            pairs = dict(pair.partition("=")[::2] for pair in head[1:].split(";"))
            self.assertEqual(pairs["draft/relaymsg"], "bridge")
            self.assertEqual(pairs["+example/x"], "1")
        self.assertEqual(
            [line for line in plain.received() if "PRIVMSG" in line], [source]
        )
        [line] = [s for s in rich.received() if " MSG bridge " in s]
        self.assertRegex(
            line,
            r"^@\d+;relay=bridge;\+example/x=1 MSG bridge carol/matrix \S+"
            r" hello from matrix$",
        )
        [line] = [s for s in dull.received() if s.startswith("MSG bridge ")]
        self.assertRegex(line, r"^MSG bridge carol/matrix \S+ hello from matrix$")
        history = IRCClient(self.next_door())
        history.send(
            "CAP REQ :message-tags batch draft/chathistory server-time",
            "NICK reader",
            "USER r 0 * :R",
            "CAP END",
            "JOIN #bridge",
        )
        history.received()
        history.send("CHATHISTORY LATEST #bridge * 10")
        [kept] = [line for line in history.received() if "carol/matrix" in line]
        self.assertIn("draft/relaymsg=bridge", kept.split(" ", 1)[0])
        self.assertTrue(kept.endswith(f" {source}"), kept)
        later = FakeClient(self.next_server())
        for said in ("later", "/caps rich", "/join bridge"):
            later.send(said)
        replayed = [s for s in later.received() if "carol/matrix" in s]
        self.assertTrue(replayed, "no HISTORY line")
        self.assertRegex(replayed[0], r"relay=bridge.* HISTORY bridge carol/matrix ")

    def test_an_admin_relays(self) -> None:
        self.account("boss")
        boss = self.signed_in("boss")
        plain = self.irc("plain")
        for client in (boss, plain):
            client.send("JOIN #bridge")
        boss.received()
        plain.received()
        boss.send("RELAYMSG #bridge dave/discord :hi all")
        self.assertEqual(
            [line for line in plain.received() if "PRIVMSG" in line],
            [":dave/discord!~u@chatroom PRIVMSG #bridge :hi all"],
        )

    def test_refusals(self) -> None:
        """A plain member, a bot without ``--relay`` and a room's owner are
        ``FAIL RELAYMSG PRIVS_NEEDED``, and nobody hears a thing; a nick
        without ``/`` (or with other characters) ``INVALID_NICK``; missing
        parameters ``461``; no such channel ``403``; a channel the relayer
        is not on ``442``."""
        relay, tags, plain, rich, _dull = self.relay_room()
        unrelaying = self.sasl("helper", self.bot("helper"))
        unrelaying.send("JOIN #bridge")
        owner = self.irc("owner")
        owner.send("JOIN #own")
        for client in (unrelaying, owner, tags, plain, relay):
            client.received()
        rich.received()
        for client, channel in (
            (plain, "#bridge"),
            (unrelaying, "#bridge"),
            (owner, "#own"),
        ):
            client.send(f"RELAYMSG {channel} eve/x :sneaky")
            [failed] = client.received()
            self.assertTrue(
                failed.startswith(":chatroom FAIL RELAYMSG PRIVS_NEEDED "), failed
            )
        for nick in ("carol", "car ol/x", "carol/", "caröl!/x"):
            relay.send(f"RELAYMSG #bridge {nick} :text")
            [failed] = relay.received()
            self.assertTrue(
                failed.startswith(":chatroom FAIL RELAYMSG INVALID_NICK "),
                (nick, failed),
            )
        relay.send("RELAYMSG #bridge carol/x")
        self.assertEqual(relay.numerics(), ["461"])
        relay.send("RELAYMSG #nowhere carol/x :text")
        self.assertEqual(relay.numerics(), ["403"])
        relay.send("RELAYMSG #own carol/x :text")
        self.assertEqual(relay.numerics(), ["442"])
        self.assertEqual([s for s in tags.received() if "PRIVMSG" in s], [])
        self.assertEqual([s for s in rich.received() if " MSG " in s], [])
        self.assertFalse(re.search("sneaky", " ".join(plain.received())))
