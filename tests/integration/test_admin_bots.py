"""Bot accounts from ``chatroom-admin`` against the real ``twistd chatroom``
plugin: ``bots add|list|remove`` (``--json`` and text), a bot signing in
with its token at the line door, its words tagged ``bot``, its removal
seen by its connection, and its token kept across a restart on the same
``--db``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.backends.contracts.bots import TOKEN as TOKEN_SHAPE
from tests.doors.irc.test_ircv3 import tags_of
from tests.integration.test_admin import AdminServerTestCase
from tests.integration.test_http_limits import IRC_PORT, LOCAL
from tests.support import LineClient, connect_client


def ending(words: str) -> Callable[[str], bool]:
    """Whether a line ends with ``words``."""
    return lambda line: line.endswith(words)


class BotServerCase(AdminServerTestCase):
    @defer.inlineCallbacks
    def signed_in_bot(self, name: str, token: str):
        """A line client signed in as bot ``name`` with ``token``."""
        bot: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(bot)
        bot.say(f"/login {name} {token}")
        yield bot.expect_line(f"WELCOME {name}")
        return bot


class AdminBotsTests(BotServerCase):
    @defer.inlineCallbacks
    def test_bots_add_list_remove(self):
        """``bots add`` answers the token once (JSON and ``key: value``
        text); ``list`` never shows it; refusals are ``409 NAME_TAKEN``,
        ``400 BAD_NAME``, ``404 NO_SUCH_ACCOUNT``; a bot signs in with
        ``/login NAME TOKEN`` and a ``rich`` member sees ``bot`` on its
        message; ``remove`` ends its connection (``BYE bot removed by``),
        and its token signs in no more."""
        alice = yield self.registered("alice")
        made = yield self.admin_json("bots", "add", "deployer", "--owner", "alice")
        self.assertEqual(
            {k: v for k, v in made.items() if k != "token"},
            {"bot": "deployer", "owner": "alice", "relay": False},
        )
        self.assertRegex(made["token"], TOKEN_SHAPE)
        status, out, err = yield self.admin("bots", "add", "relayer", "--relay")
        self.assertEqual((status, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(
            [line.split(":")[0] for line in lines], ["bot", "token", "owner", "relay"]
        )
        self.assertEqual(lines[0].split(), ["bot:", "relayer"])
        self.assertEqual(lines[3].split(), ["relay:", "yes"])
        listed = yield self.admin_json("bots", "list")
        self.assertEqual(
            [(b["name"], b["owner"], b["relay"]) for b in listed["bots"]],
            [("deployer", "alice", False), ("relayer", None, True)],
        )
        self.assertEqual(
            [sorted(b) for b in listed["bots"]],
            [["made", "name", "owner", "relay"]] * 2,
        )
        self.assertNotIn(made["token"], repr(listed))
        for command, answer in (
            (("bots", "add", "alice"), "409 NAME_TAKEN"),
            (("bots", "add", "DEPLOYER"), "409 NAME_TAKEN"),
            (("bots", "add", "no!good"), "400 BAD_NAME"),
            (("bots", "add", "x1", "--owner", "nobody"), "404 NO_SUCH_ACCOUNT"),
            (("bots", "remove", "nobody"), "404 NO_SUCH_ACCOUNT"),
        ):
            status, out, err = yield self.admin(*command)
            self.assertEqual(status, 1)
            self.assertTrue(err.startswith(f"chatroom-admin: {answer}: "), err)

        bot = yield self.signed_in_bot("deployer", made["token"])
        alice.say("/caps rich")
        yield alice.expect_line("CAPS ")
        alice.say("/create ops")
        yield alice.expect_line("JOINED ops")
        bot.say("/join ops")
        yield bot.expect_line("JOINED ops")
        bot.say("shipped")
        line = yield alice.expect_line("@")
        while " MSG ops deployer " not in line:
            line = yield alice.expect_line("@")
        self.assertRegex(line, r"^@\d+;bot MSG ops deployer \S+ shipped$")

        removed = yield self.admin_json("bots", "remove", "deployer")
        self.assertEqual(removed, {"removed": "deployer"})
        bye = yield bot.expect_line("BYE ")
        self.assertTrue(bye.startswith("BYE bot removed by "), bye)
        yield bot.closed
        again: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(again)
        again.say(f"/login deployer {made['token']}")
        refused = yield again.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR NO_SUCH_ACCOUNT "), refused)
        listed = yield self.admin_json("bots", "list")
        self.assertEqual([b["name"] for b in listed["bots"]], ["relayer"])

    @defer.inlineCallbacks
    def test_a_bot_and_its_token_survive_a_restart(self):
        """Made, then the server stopped and started on the same ``--db``:
        the token signs the bot in, and its words are tagged ``bot``."""
        made = yield self.admin_json("bots", "add", "keeper")
        assert self.process.transport is not None
        self.process.transport.signalProcess("TERM")
        yield self.process.ended
        self.port, self.http_port = yield self.serve(
            "--db", self.db, "--admin-token-file", self.token_file
        )
        bot = yield self.signed_in_bot("keeper", made["token"])
        listed = yield self.admin_json("bots", "list")
        self.assertEqual([b["name"] for b in listed["bots"]], ["keeper"])
        watcher: LineClient = yield connect_client(reactor, self.port, "watcher")
        self.hang_up(watcher)
        watcher.say("/caps rich")
        yield watcher.expect_line("CAPS ")
        watcher.say("/create den")
        yield watcher.expect_line("JOINED den")
        bot.say("/join den")
        yield bot.expect_line("JOINED den")
        bot.say("/me is back")
        line = yield watcher.expect_line("@")
        while " ACTION den keeper " not in line:
            line = yield watcher.expect_line("@")
        self.assertIn(";bot ", line)


class BotAtEveryDoorTests(BotServerCase):
    """The spec's ``bot_accounts`` check as it runs from outside: one real
    server with the line, IRC and HTTP doors; the bot made with
    ``chatroom-admin --json``, signed in by ``/login`` and by SASL
    ``PLAIN`` over real sockets, and removed the same way."""

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.write_token()
        self.db = self.dir.child("chat.sqlite3").path
        self.port, self.http_port = yield self.serve(
            *("--irc", LOCAL, "--db", self.db, "--rate", "0"),
            *("--admin-token-file", self.token_file),
        )
        yield self.process.when_output(b"IRCFactory starting on")
        match = IRC_PORT.search(self.process.output)
        assert match is not None
        self.irc_port = int(match.group(1))

    @defer.inlineCallbacks
    def irc(self, nick: str, *caps: str, sasl: str = ""):
        """An IRC client registered as ``nick`` with ``caps`` (and signed
        in by SASL PLAIN with ``sasl``, the token, when given), in
        ``#ops``."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client: LineClient = yield connectProtocol(endpoint, LineClient())
        self.hang_up(client)
        wanted = [*caps, "sasl"] if sasl else list(caps)
        if wanted:
            client.say(f"CAP REQ :{' '.join(wanted)}")
            yield client.expect(lambda line: " CAP * ACK " in line)
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        if sasl:
            client.say("AUTHENTICATE PLAIN")
            yield client.expect_line("AUTHENTICATE +")
            plain = f"{nick}\0{nick}\0{sasl}".encode()
            client.say(f"AUTHENTICATE {base64.b64encode(plain).decode()}")
            yield client.expect(lambda line: " 903 " in line)
        if wanted:
            client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line or " 422 " in line)
        client.say("JOIN #ops")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def test_the_bot_at_every_door_and_its_removal(self):
        """A ``rich`` member sees ``bot`` on the bot's messages (said from
        the line door and from IRC), a plain member the plain ``MSG``, an
        IRC ``message-tags`` member ``@bot``; ``WHOIS`` gives ``335``.
        After ``bots remove`` its connections end (``BYE`` at the line
        door), ``/login`` with the token fails, the API answers ``401``
        and the list no longer has it."""
        made = yield self.admin_json("bots", "add", "deployer")
        token = made["token"]
        rich: LineClient = yield connect_client(reactor, self.port, "rita")
        self.hang_up(rich)
        for said in ("/caps rich", "/create ops"):
            rich.say(said)
        yield rich.expect_line("JOINED ops")
        plain: LineClient = yield connect_client(reactor, self.port, "paul")
        self.hang_up(plain)
        plain.say("/join ops")
        yield plain.expect_line("MEMBERS ops")
        ivy = yield self.irc("ivy", "message-tags")
        on_irc = yield self.irc("deployer", sasl=token)
        on_line = yield self.signed_in_bot("deployer", token)
        on_line.say("/join ops")
        yield on_line.expect_line("MEMBERS ops")
        status = yield self.http_status("/api/v1/me", f"Bearer {token}")
        self.assertTrue(status.startswith("HTTP/1.1 200 "), status)

        on_irc.say("PRIVMSG #ops :from irc")
        on_line.say("from the line")
        for text in ("from irc", "from the line"):
            seen = yield rich.expect(ending(f" {text}"))
            self.assertRegex(seen, rf"^@\d+;bot MSG ops deployer \S+ {text}$")
            seen = yield plain.expect(ending(f" {text}"))
            self.assertRegex(seen, rf"^MSG ops deployer \S+ {text}$")
            seen = yield ivy.expect(ending(f" :{text}"))
            self.assertIn("bot", tags_of(seen), seen)
            self.assertIn(" :deployer!", seen)
            self.assertTrue(seen.endswith(f" PRIVMSG #ops :{text}"), seen)
        asked = len(ivy.lines)
        ivy.say("WHOIS deployer")
        yield ivy.expect(lambda line: " 318 " in line)
        untagged = [
            line.partition(" ")[2] if line.startswith("@") else line
            for line in ivy.lines[asked:]
        ]
        numerics = [line.split(" ")[1:4] for line in untagged]
        self.assertIn(["335", "ivy", "deployer"], numerics)

        removed = yield self.admin_json("bots", "remove", "deployer")
        self.assertEqual(removed, {"removed": "deployer"})
        bye = yield on_line.expect_line("BYE ")
        self.assertTrue(bye.startswith("BYE bot removed by "), bye)
        yield on_line.closed
        yield on_irc.closed
        again: LineClient = yield connect_client(reactor, self.port)
        self.hang_up(again)
        again.say(f"/login deployer {token}")
        refused = yield again.expect_line("ERR ")
        self.assertTrue(refused.startswith("ERR NO_SUCH_ACCOUNT "), refused)
        status = yield self.http_status("/api/v1/me", f"Bearer {token}")
        self.assertTrue(status.startswith("HTTP/1.1 401 "), status)
        self.assertIn("\r\nWWW-Authenticate: Bearer\r\n", status)
        listed = yield self.admin_json("bots", "list")
        self.assertEqual(listed["bots"], [])

    @defer.inlineCallbacks
    def test_relaymsg(self):
        """The spec's ``relaymsg`` check over real sockets: offered as
        ``draft/relaymsg=/``; a plain member's ``RELAYMSG`` is ``FAIL
        RELAYMSG PRIVS_NEEDED`` and reaches nobody; a nick without ``/``
        is ``INVALID_NICK``; a ``--relay`` bot signed in by SASL relays as
        ``carol/matrix``: a ``message-tags`` member sees
        ``draft/relaymsg=bridge``, a plain one the ``PRIVMSG`` from
        ``carol/matrix``, the line door ``MSG ops carol/matrix`` (``rich``:
        ``relay=bridge``)."""
        made = yield self.admin_json("bots", "add", "bridge", "--relay")
        rich: LineClient = yield connect_client(reactor, self.port, "rita")
        self.hang_up(rich)
        for said in ("/caps rich", "/create ops"):
            rich.say(said)
        yield rich.expect_line("JOINED ops")
        plain: LineClient = yield connect_client(reactor, self.port, "paul")
        self.hang_up(plain)
        plain.say("/join ops")
        yield plain.expect_line("MEMBERS ops")
        ivy = yield self.irc("ivy", "message-tags")
        pat = yield self.irc("pat")
        relay = yield self.irc("bridge", "message-tags", sasl=made["token"])
        asked = len(pat.lines)
        pat.say("CAP LS 302")
        yield pat.expect(lambda line: " CAP pat LS :" in line)  # the last of them
        offered = [
            cap
            for line in pat.lines[asked:]
            if " CAP pat LS " in line
            for cap in line.split(" :", 1)[1].split()
        ]
        self.assertIn("draft/relaymsg=/", offered)

        pat.say("RELAYMSG #ops eve/x :sneaky")
        failed = yield pat.expect(lambda line: " FAIL " in line or "sneaky" in line)
        self.assertTrue(failed.startswith(":chatroom FAIL RELAYMSG PRIVS_NEEDED "))
        relay.say("RELAYMSG #ops carol :no slash")
        failed = yield relay.expect(lambda line: " FAIL " in line or "slash" in line)
        self.assertIn(" FAIL RELAYMSG INVALID_NICK ", failed)
        relay.say("RELAYMSG #ops carol/matrix :hello from matrix")
        source = ":carol/matrix!~u@"
        seen = yield ivy.expect(lambda line: line.endswith(" :hello from matrix"))
        self.assertEqual(tags_of(seen).get("draft/relaymsg"), "bridge", seen)
        self.assertIn(f" {source}", seen)
        seen = yield pat.expect(lambda line: line.endswith(" :hello from matrix"))
        self.assertTrue(seen.startswith(source), seen)
        self.assertIn(" PRIVMSG #ops :", seen)
        seen = yield plain.expect(lambda line: line.endswith(" hello from matrix"))
        self.assertRegex(seen, r"^MSG ops carol/matrix \S+ hello from matrix$")
        seen = yield rich.expect(lambda line: line.endswith(" hello from matrix"))
        self.assertRegex(
            seen, r"^@\d+;relay=bridge MSG ops carol/matrix \S+ hello from matrix$"
        )
        for client in (ivy, pat, plain, rich):
            self.assertFalse([x for x in client.lines if "sneaky" in x], client.lines)
