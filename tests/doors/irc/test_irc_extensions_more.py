"""``extended-monitor``, bot mode, ``HELP`` and ``LINKS`` at the IRC door.

Real :class:`IRCProtocol` objects over ``StringTransport`` on one server
with a ``task.Clock`` (:mod:`tests.doors.irc.test_irc`), and a real line session
where a line user sees what an IRC bot said; comments name the irctest
server test (``progval/irctest``) that checks the same behaviour.
"""

from __future__ import annotations

from chatroom.doors.irc.helping import TEXTS
from chatroom.doors.irc.table import COMMANDS
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import in_process_only


class ExtendedMonitorTests(AccountsCase, CapsTestCase):
    """What channel peers hear of a user also reaches those who MONITOR it
    with extended-monitor (irctest monitor.py ExtendedMonitorTestCase,
    AuthenticatedExtendedMonitorTestCase)."""

    def watcher(self, *caps: str) -> IRCClient:
        """``foo`` with ``caps``, monitoring ``bar``."""
        foo = self.capped("foo", *caps)
        foo.send("MONITOR + bar")
        foo.received()
        return foo

    def test_away_reaches_watchers_with_both_caps(self) -> None:
        """bar goes away and comes back: foo (extended-monitor, away-notify)
        hears both AWAYs; baz (away-notify alone) and qux (extended-monitor
        alone), both monitoring bar, hear nothing (testExtendedMonitorAway,
        testExtendedMonitorAwayNoCap)."""
        foo = self.watcher("extended-monitor", "away-notify")
        baz = self.watcher_named("baz", "away-notify")
        qux = self.watcher_named("qux", "extended-monitor")
        bar = self.irc("bar")
        for nick, client in (("foo", foo), ("baz", baz), ("qux", qux)):
            online = [f":chatroom 730 {nick} :bar!bar@chatroom"]
            self.assertEqual(client.received(), online)
        bar.send("AWAY :afk")
        self.assertEqual(foo.received(), [":bar!bar@chatroom AWAY :afk"])
        bar.send("AWAY")
        self.assertEqual(foo.received(), [":bar!bar@chatroom AWAY"])
        self.assertEqual(baz.received(), [])
        self.assertEqual(qux.received(), [])

    def watcher_named(self, nick: str, *caps: str) -> IRCClient:
        """``nick`` with ``caps``, monitoring ``bar``."""
        client = self.capped(nick, *caps)
        client.send("MONITOR + bar")
        client.received()
        return client

    def test_a_watcher_sharing_a_channel_hears_it_once(self) -> None:
        """foo monitors bar and shares #tea with it: one SETNAME, not two;
        after ``MONITOR - bar`` and a PART, none (testExtendedMonitorSetName)."""
        foo = self.watcher("extended-monitor", "setname")
        bar = self.capped("bar", "setname")
        for client in (foo, bar):
            client.send("JOIN #tea")
        for client in (foo, bar):
            client.received()
        bar.send("SETNAME :new name")
        self.assertEqual(foo.received(), [":bar!bar@chatroom SETNAME :new name"])
        foo.send("MONITOR - bar", "PART #tea")
        foo.received()
        bar.send("SETNAME :newer")
        self.assertEqual(foo.received(), [])

    def test_server_time_on_what_watchers_hear(self) -> None:
        """A watcher with server-time gets AWAY with ``@time``, as channel
        peers do."""
        foo = self.watcher("extended-monitor", "away-notify", "server-time")
        bar = self.irc("bar")
        foo.received()
        bar.send("AWAY :lunch")
        (line,) = foo.received()
        self.assertIn("time", tags_of(line))
        self.assertEqual(untagged(line), ":bar!bar@chatroom AWAY :lunch")

    def test_account_reaches_watchers(self) -> None:
        """bar identifies to NickServ, then drops the account: foo
        (extended-monitor, account-notify) hears ``ACCOUNT jilles`` and
        ``ACCOUNT *``; baz (account-notify alone) nothing
        (testExtendedMonitorAccountNotify, ...NoCap)."""
        self.account("jilles")
        foo = self.watcher("extended-monitor", "account-notify")
        baz = self.watcher_named("baz", "account-notify")
        bar = self.irc("bar")
        foo.received()
        baz.received()
        bar.send(f"PRIVMSG NickServ :IDENTIFY jilles {PASSWORD}")
        self.assertEqual(foo.received(), [":bar!bar@chatroom ACCOUNT jilles"])
        bar.send(f"PRIVMSG NickServ :DROP {PASSWORD}")
        self.assertEqual(foo.received(), [":bar!bar@chatroom ACCOUNT *"])
        self.assertEqual(baz.received(), [])

    def test_account_once_to_a_watcher_in_a_shared_channel(self) -> None:
        """foo shares #tea with bar and monitors it: its ACCOUNT comes once
        (from the room)."""
        self.account("jilles")
        foo = self.watcher("extended-monitor", "account-notify")
        bar = self.irc("bar")
        for client in (foo, bar):
            client.send("JOIN #tea")
        for client in (foo, bar):
            client.received()
        bar.send(f"PRIVMSG NickServ :IDENTIFY jilles {PASSWORD}")
        self.assertEqual(foo.received(), [":bar!bar@chatroom ACCOUNT jilles"])


class WatchedAtEveryDoorTests(AccountsCase, CapsTestCase):
    """MONITOR's news is the core's: a user of the line door is watched as
    an IRC user is (its names and account come from the shared side,
    whichever door it uses)."""

    def test_a_line_user_registering_is_account_news(self) -> None:
        """lina (line door) registers her name: foo, monitoring her with
        extended-monitor and account-notify, hears ``ACCOUNT lina``."""
        foo = self.capped("foo", "extended-monitor", "account-notify")
        foo.send("MONITOR + lina")
        foo.received()
        lina = self.line("lina")
        self.assertEqual(foo.received(), [":chatroom 730 foo :lina!lina@chatroom"])
        lina.send(f"/register {PASSWORD}")
        self.assertEqual(foo.received(), [":lina!lina@chatroom ACCOUNT lina"])

    def test_a_rename_in_a_shared_channel_is_nick_then_numerics(self) -> None:
        """bar, in #tea with foo who monitors bar and qux, becomes qux: foo
        hears the NICK, then 731 bar and 730 qux, in that order."""
        foo = self.capped("foo")
        foo.send("MONITOR + bar,qux")
        bar = self.irc("bar")
        for client in (foo, bar):
            client.send("JOIN #tea")
        for client in (foo, bar):
            client.received()
        bar.send("NICK qux")
        self.assertEqual(
            foo.received(),
            [
                ":bar!bar@chatroom NICK :qux",
                ":chatroom 731 foo :bar",
                ":chatroom 730 foo :qux!qux@chatroom",
            ],
        )

    @in_process_only("the in-process back-end's watch listeners")
    def test_no_watcher_left_no_news_followed(self) -> None:
        """The door follows the core's news only while someone monitors:
        after ``MONITOR C`` of the last watcher, and after a watcher quits,
        the registry has no listener of this door."""
        backend = self.server.registry.backend  # type: ignore[attr-defined]
        foo, baz = self.capped("foo"), self.capped("baz")
        foo.send("MONITOR + bar")
        baz.send("MONITOR + bar,qux")
        self.assertEqual(len(backend.server.watching.each), 1)
        foo.send("MONITOR C")
        self.assertEqual(len(backend.server.watching.each), 1)  # baz still watches
        baz.send("QUIT")
        self.assertEqual(backend.server.watching.each, [])


class BotModeTests(CapsTestCase):
    """User mode +B (irctest bot_mode.py)."""

    def bot(self, *caps: str) -> IRCClient:
        """``botnick`` in bot mode (its MODE echo read)."""
        bot = self.capped("botnick", *caps)
        bot.send("MODE botnick +B")
        self.assertEqual(bot.received(), [":botnick!botnick@chatroom MODE botnick :+B"])
        return bot

    def test_isupport_and_umode(self) -> None:
        """005 says ``BOT=B``; 221 shows ``B`` until ``-B`` (testBotMode)."""
        client = IRCClient(self.factory)
        client.send("NICK botnick", "USER b 0 * :b")
        self.assertTrue(any(" BOT=B " in line for line in client.received()))
        client.send("MODE botnick +B", "MODE botnick")
        self.assertEqual(
            client.received(),
            [
                ":botnick!botnick@chatroom MODE botnick :+B",
                ":chatroom 221 botnick :+B",
            ],
        )
        client.send("MODE botnick -B", "MODE botnick")
        self.assertEqual(client.received()[-1], ":chatroom 221 botnick :+")

    def test_whois_and_who_show_the_bot(self) -> None:
        """WHOIS botnick has ``335``; WHO #chan flags it ``HB``, the human
        ``H`` (testBotWhois, testBotWhox)."""
        bot = self.bot()
        user = self.irc("usernick")
        for client in (bot, user):
            client.send("JOIN #chan")
        for client in (bot, user):
            client.received()
        user.send("WHOIS botnick")
        whois = user.received()
        self.assertIn(":chatroom 335 usernick botnick :is a bot on this server", whois)
        user.send("WHO #chan")
        flags = {line.split()[7]: line.split()[8] for line in user.received()[:-1]}
        self.assertEqual(flags, {"botnick": "HB@", "usernick": "H"})

    def test_messages_carry_the_bot_tag(self) -> None:
        """The bot's channel and private messages carry ``bot`` to
        message-tags users, its own echo too; a plain client sees the plain
        line; a ``/caps rich`` line user sees ``bot`` among the tags
        (testBotChannelMessage, testBotPrivateMessage, testBotEchoMessage)."""
        bot = self.bot("message-tags", "echo-message")
        user = self.capped("usernick", "message-tags")
        plain = self.irc("plain")
        line = self.line("lina")
        for client in (bot, user, plain):
            client.send("JOIN #chan")
        line.send("/caps rich")
        line.send("/join chan")
        for client in (bot, user, plain):
            client.received()
        line.received()
        bot.send("PRIVMSG #chan :beep boop", "PRIVMSG usernick :hi")
        echoes = bot.received()
        self.assertEqual([tags_of(x).get("bot") for x in echoes], ["", ""])
        said = user.received()
        self.assertEqual([tags_of(x).get("bot") for x in said], ["", ""])
        self.assertEqual(
            [untagged(x) for x in said],
            [
                ":botnick!botnick@chatroom PRIVMSG #chan :beep boop",
                ":botnick!botnick@chatroom PRIVMSG usernick :hi",
            ],
        )
        self.assertEqual(
            plain.received(), [":botnick!botnick@chatroom PRIVMSG #chan :beep boop"]
        )
        (shown,) = [x for x in line.received() if "beep boop" in x]
        self.assertIn(";bot", shown.split(" ", 1)[0])


class HelpAndLinksTests(CapsTestCase):
    """HELP / HELPOP and LINKS (irctest help.py, links.py)."""

    def test_help_index_topic_and_unknown(self) -> None:
        """HELP alone: 704 index, 705 lines, 706; HELPOP privmsg: the
        PRIVMSG text; an unknown topic: 524 alone (testHelpNoArg,
        testHelpPrivmsg, testHelpUnknownSubject)."""
        client = self.irc("nick")
        client.send("HELP")
        lines = client.received()
        self.assertTrue(lines[0].startswith(":chatroom 704 nick index :"))
        self.assertTrue(all(" 705 nick index :" in x for x in lines[1:-1]))
        self.assertEqual(lines[-1], ":chatroom 706 nick index :End of /HELP")
        self.assertIn("PRIVMSG", " ".join(lines))
        client.send("HELPOP privmsg")
        self.assertEqual(
            client.received(),
            [
                ":chatroom 704 nick PRIVMSG :PRIVMSG <#room|nick> :<text>",
                ":chatroom 705 nick PRIVMSG :A message to a room or a user.",
                ":chatroom 706 nick PRIVMSG :End of /HELP",
            ],
        )
        client.send("HELP THISISNOTACOMMAND")
        self.assertEqual(
            client.received(),
            [":chatroom 524 nick THISISNOTACOMMAND :No help available on this topic"],
        )

    def test_every_command_has_help(self) -> None:
        """Each command the door answers has a text, and no text names a
        command it does not answer."""
        self.assertEqual(set(TEXTS), set(COMMANDS))

    def test_help_lists_every_command_the_door_has(self) -> None:
        """HELP alone names every command of the door's table (it is made
        from it), NickServ's commands (SET among them) and how to set the
        choices NickServ keeps (IRC-NOTES); HELP NICKSERV lists them too;
        a command of the table has a topic."""
        client = self.irc("nick")
        client.send("HELP")
        said = " ".join(line.split(" :", 1)[1] for line in client.received())
        listed = set(said.split())
        self.assertLessEqual(set(COMMANDS), listed)
        self.assertLessEqual(
            {"IDENTIFY", "GHOST", "SET", "DROP", "APP-PASSWORD"}, listed
        )
        self.assertIn("NS SET IRC-NOTES ON|OFF", said)
        client.send("HELP nickserv")
        lines = client.received()
        self.assertIn("SET IRC-NOTES ON|OFF", " ".join(lines))
        self.assertIn("IDENTIFY", lines[-2])
        for command in COMMANDS:
            client.send(f"HELP {command}")
            self.assertEqual(client.received()[0].split(" ")[1], "704", command)

    def test_links_lists_this_server(self) -> None:
        """LINKS: one 364 for this server, hop count 0 and its description,
        then 365 (testLinksSingleServer)."""
        client = self.irc("nick")
        client.send("LINKS")
        self.assertEqual(
            client.received(),
            [
                ":chatroom 364 nick chatroom chatroom :0 chatroom",
                ":chatroom 365 nick * :End of /LINKS list",
            ],
        )
