"""Webhooks made by ``chatroom-admin hooks`` and posted to by real senders,
against the real ``twistd chatroom`` (every door, ``--db``, the admin API).

alice (registered) owns ``ops``; the operator adds, lists and removes its
hooks with the tool; apprise's CLI posts through a hook's address as to
Mattermost, and a real Alertmanager's Slack receiver sends it an alert.
What arrives is seen where people see it: at the line door (``/caps
rich``: the ``bot`` tag) and at the IRC door (``message-tags``: ``@bot``),
from ``NAME[bot]``. And across a restart of the server on its ``--db``.
"""

from __future__ import annotations

import signal
from typing import Any

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from tests.doors.irc.test_ircv3 import tags_of
from tests.integration.hook_senders import Alertmanager, apprise, mattermost_url
from tests.integration.test_admin import AdminServerTestCase
from tests.integration.test_http_limits import IRC_PORT, LOCAL
from tests.support import LineClient, connect_client


def said_in(line: str) -> str:
    """A ``MSG`` line's text (after room, name and time), tags or not."""
    untagged = line.partition(" ")[2] if line.startswith("@") else line
    return untagged.split(" ", 4)[4]


class HookSenderTests(AdminServerTestCase):
    """A server with every door, the admin API and a ``--db`` file."""

    timeout = 180

    @defer.inlineCallbacks
    def setUp(self):  # type: ignore[override]  # trial waits on its Deferred
        self.write_token()
        self.db = self.dir.child("chat.sqlite3").path
        yield self.start()

    @defer.inlineCallbacks
    def start(self) -> Any:
        """(Re)start the server on the same ``--db``."""
        self.port, self.http_port = yield self.serve(
            *("--irc", LOCAL, "--db", self.db, "--rate", "0"),
            *("--admin-token-file", self.token_file),
        )
        yield self.process.when_output(b"IRCFactory starting on")
        match = IRC_PORT.search(self.process.output)
        assert match is not None
        self.irc_port = int(match.group(1))

    @defer.inlineCallbacks
    def owner(self) -> Any:
        """alice, registered, in ``ops`` (hers: kept across restarts),
        seeing tags (``/caps rich``)."""
        alice = yield self.registered("alice")
        yield self.rich_in_ops(alice, "/create")
        return alice

    @defer.inlineCallbacks
    def rich_in_ops(self, client: LineClient, command: str = "/join") -> Any:
        client.say("/caps rich")
        yield client.expect_line("CAPS ")
        client.say(f"{command} ops")
        yield client.expect(lambda line: "MEMBERS ops" in line)

    @defer.inlineCallbacks
    def irc_client(self, nick: str) -> Any:
        """An IRC client with ``message-tags``, in ``#ops``."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.hang_up(client)
        client.say("CAP LS 302")
        client.say("CAP REQ :message-tags")
        yield client.expect(lambda line: " CAP * ACK " in line)
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line or " 422 " in line)
        client.say("JOIN #ops")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def bot_line(self, client: LineClient, name: str) -> Any:
        """The next message from ``name`` at the line door, which must
        carry the ``bot`` tag: its text."""
        line = yield client.expect(lambda line: f" MSG ops {name} " in line)
        self.assertIn("bot", line.partition(" ")[0].split(";")[1:], line)
        return said_in(line)

    @defer.inlineCallbacks
    def bot_privmsg(self, client: LineClient, name: str) -> Any:
        """The next ``PRIVMSG #ops`` from ``name`` at the IRC door, which
        must carry ``@bot``: its text."""
        line = yield client.expect(
            lambda line: (
                f" :{name}!" in " " + line.partition(" ")[2]
                and " PRIVMSG #ops :" in line
            )
        )
        self.assertIn("bot", tags_of(line), line)
        return line.partition(" PRIVMSG #ops :")[2]

    @defer.inlineCallbacks
    def nothing_more(self, alice: LineClient, watching: LineClient) -> Any:
        """alice says a marker; ``watching``'s next message in ``ops`` is it
        (nothing came before it)."""
        alice.say("marker")
        line = yield watching.expect(lambda line: "MSG ops " in line)
        self.assertEqual(said_in(line), "marker", line)

    @defer.inlineCallbacks
    def test_cli_hooks_and_apprise(self) -> Any:
        """``chatroom-admin --json hooks add|list|remove``: the hook is one
        of ``ops``'s (``/webhook list`` shows it); apprise posts through
        its address as ``deployer`` (seen as ``deployer[bot]``, tagged
        ``bot``, at the line and IRC doors), and with a title (its first
        line); without a user, as apprise (``Apprise[bot]``). Once removed,
        apprise fails and nothing arrives."""
        alice = yield self.owner()
        ivy = yield self.irc_client("ivy")
        made = yield self.admin_json("hooks", "add", "ops", "--name", "deploy")
        self.assertEqual(set(made), {"room", "name", "url"})
        self.assertEqual((made["room"], made["name"]), ("ops", "deploy"))
        self.assertTrue(
            made["url"].startswith(f"http://localhost:{self.http_port}/hooks/"),
            made,
        )
        listed = yield self.admin_json("hooks", "list")
        self.assertEqual(listed, {"hooks": [{**made, "by": "chatroom"}]})
        self.assertEqual((yield self.admin_json("hooks", "list", "ops")), listed)
        alice.say("/webhook list")
        self.assertEqual(
            (yield alice.expect_line("WEBHOOK ")), f"WEBHOOK deploy {made['url']}"
        )
        yield alice.expect_line("WEBHOOKS_END ops 1")

        url = mattermost_url(made["url"], "deployer")
        status, printed = yield apprise(url, "build 7 is out")
        self.assertEqual(status, 0, printed)
        self.assertEqual(
            (yield self.bot_line(alice, "deployer[bot]")), "build 7 is out"
        )
        self.assertEqual(
            (yield self.bot_privmsg(ivy, "deployer[bot]")), "build 7 is out"
        )

        status, printed = yield apprise(url, "build 8 is out", title="Deploy")
        self.assertEqual(status, 0, printed)
        said = yield self.bot_line(alice, "deployer[bot]")
        self.assertEqual(said, "Deploy build 8 is out")
        self.assertEqual((yield self.bot_privmsg(ivy, "deployer[bot]")), "Deploy")
        self.assertEqual(
            (yield self.bot_privmsg(ivy, "deployer[bot]")), "build 8 is out"
        )

        status, printed = yield apprise(mattermost_url(made["url"]), "anonymous")
        self.assertEqual(status, 0, printed)
        self.assertEqual((yield self.bot_line(alice, "Apprise[bot]")), "anonymous")

        removed = yield self.admin_json("hooks", "remove", "ops", "deploy")
        self.assertEqual(removed, {"removed": "deploy", "room": "ops"})
        status, printed = yield apprise(url, "after the end")
        self.assertNotEqual(status, 0, printed)
        yield self.nothing_more(alice, alice)
        self.assertEqual((yield self.admin_json("hooks", "list")), {"hooks": []})

    @defer.inlineCallbacks
    def test_text_output_and_refusals(self) -> Any:
        """Without ``--json``: ``key: value`` lines, and a table of hooks;
        a refusal is one line on stderr and exit status 1: ``409
        NAME_TAKEN``, ``404 NO_SUCH_ROOM``, ``404 NO_SUCH_WEBHOOK``, and
        the most a room may have (10, ``400 BAD_ARGS``). The name is
        ``hook`` unless given."""
        yield self.owner()
        status, out, err = yield self.admin("hooks", "add", "ops")
        self.assertEqual((status, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[:2], ["room: ops", "name: hook"])
        self.assertTrue(lines[2].startswith("url:  http://localhost:"), lines)
        url = lines[2].split()[1]
        status, out, err = yield self.admin("hooks", "list")
        self.assertEqual(
            out.splitlines(),
            ["room  name  by        url", f"ops   hook  chatroom  {url}"],
        )
        for command, refusal in (
            (("hooks", "add", "ops", "--name", "HOOK"), "409 NAME_TAKEN: "),
            (("hooks", "add", "nowhere"), "404 NO_SUCH_ROOM: "),
            (("hooks", "list", "nowhere"), "404 NO_SUCH_ROOM: "),
            (("hooks", "remove", "ops", "nothing"), "404 NO_SUCH_WEBHOOK: "),
            (("hooks", "add", "ops", "--name", "bad/name"), "400 BAD_NAME: "),
        ):
            status, out, err = yield self.admin(*command)
            self.assertEqual(status, 1, command)
            self.assertTrue(err.startswith(f"chatroom-admin: {refusal}"), err)
            self.assertEqual(len(err.splitlines()), 1, err)
        for number in range(9):
            yield self.admin_json("hooks", "add", "ops", "--name", f"more{number}")
        status, out, err = yield self.admin("hooks", "add", "ops", "--name", "more")
        self.assertTrue(err.startswith("chatroom-admin: 400 BAD_ARGS: "), err)
        status, out, err = yield self.admin("hooks", "remove", "ops", "hook")
        self.assertEqual(out.splitlines(), ["removed: hook", "room:    ops"])

    @defer.inlineCallbacks
    def test_alertmanager(self) -> Any:
        """A real Alertmanager, its Slack receiver's ``api_url`` a ``/webhook
        add`` address and its ``text`` the summary: an alert POSTed to its
        API reaches the line door (``bot`` tag) and the IRC door from
        ``Alertmanager[bot]``, with the alert's name and summary."""
        alice = yield self.owner()
        ivy = yield self.irc_client("ivy")
        alice.say("/webhook add alerts")
        url = (yield alice.expect_line("WEBHOOK alerts ")).split(" ")[2]
        alertmanager = Alertmanager(self, url)
        self.assertEqual(
            (yield alertmanager.fire("DiskFull", "disk / is 95% full")), 200
        )
        said = yield self.bot_line(alice, "Alertmanager[bot]")
        title = "[FIRING:1] DiskFull (critical)"
        link = f"{alertmanager.url}/#/alerts?receiver=chat"
        self.assertEqual(said, f"{title} ({link}) disk / is 95% full")
        self.assertEqual(
            (yield self.bot_privmsg(ivy, "Alertmanager[bot]")), f"{title} ({link})"
        )
        summary = yield self.bot_privmsg(ivy, "Alertmanager[bot]")
        self.assertEqual(summary, "disk / is 95% full")

    @defer.inlineCallbacks
    def test_hooks_kept_across_a_restart(self) -> Any:
        """A hook made by the tool posts again after the server restarts
        on its ``--db`` (through the new door's port, the same secret), is
        listed again, and one removed before stays removed."""
        yield self.owner()
        kept = yield self.admin_json("hooks", "add", "ops", "--name", "kept")
        gone = yield self.admin_json("hooks", "add", "ops", "--name", "gone")
        yield self.admin_json("hooks", "remove", "ops", "gone")
        assert self.process.transport is not None
        self.process.transport.signalProcess(signal.SIGTERM)
        yield self.process.ended
        yield self.start()
        alice = yield connect_client(reactor, self.port)
        self.hang_up(alice)
        alice.say("/login alice password-1")
        yield alice.expect_line("WELCOME alice")
        yield self.rich_in_ops(alice)
        listed = yield self.admin_json("hooks", "list", "ops")
        self.assertEqual([hook["name"] for hook in listed["hooks"]], ["kept"])
        status, printed = yield apprise(
            mattermost_url(kept["url"], "deployer", self.http_port), "back again"
        )
        self.assertEqual(status, 0, printed)
        self.assertEqual((yield self.bot_line(alice, "deployer[bot]")), "back again")
        status, printed = yield apprise(
            mattermost_url(gone["url"], "deployer", self.http_port), "gone"
        )
        self.assertNotEqual(status, 0, printed)
        yield self.nothing_more(alice, alice)
