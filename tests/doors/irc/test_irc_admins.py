"""Server admins at the IRC door: what an ``--admins`` account may do there
(the line door's admin commands, as IRC commands)."""

from __future__ import annotations

import re

from chatroom.core.model.config import ServerConfig
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_irc_moderation import PASSWORD, AccountsCase


class AdminTests(AccountsCase):
    """KILL, GBAN, announcements: admins are accounts named by --admins."""

    config = ServerConfig(rate=0, admins=("boss",))

    def boss(self) -> IRCClient:
        self.account("boss")
        client = IRCClient(self.factory)
        client.send(f"PASS {PASSWORD}", "NICK boss", "USER b 0 * :B")
        self.assertEqual(
            client.received()[-1],
            ":chatroom 381 boss :You are a server admin (--admins)",
        )
        return client

    def test_kill(self) -> None:
        """An admin's KILL closes the user's link with the reason; anyone
        else gets 481."""
        boss = self.boss()
        carol = self.irc("carol")
        carol.send("JOIN #general")
        bob = self.line("bob", "general")
        carol.received()
        bob.send("/op carol")  # an operator is no admin
        carol.send("KILL bob :nope")
        self.assertEqual(
            carol.received(),
            [":chatroom 481 carol :Permission Denied: only server admins can /kill"],
        )
        boss.send("KILL carol :spamming", "KILL nobody")
        self.assertEqual(
            boss.received(),
            [
                ":chatroom NOTICE boss :Killed carol: spamming",
                ":chatroom 401 boss nobody :No such nick/channel",
            ],
        )
        self.assertEqual(
            carol.received(),
            ["ERROR :Closing Link: 127.0.0.1 (killed by boss: spamming)"],
        )
        self.assertIn("PART general carol killed by boss: spamming", bob.received())

    def test_announce_and_server_bans(self) -> None:
        """NOTICE $* is /announce (481 for others); GBAN disconnects and keeps
        a nick out; GBANS lists; GUNBAN lifts."""
        boss = self.boss()
        carol = self.irc("carol")
        bob = self.line("bob")
        carol.send("NOTICE $* :hello all")
        self.assertEqual(carol.numerics(), ["481"])
        boss.send("NOTICE $* :restart at noon")
        self.assertEqual(
            carol.received(),
            [":chatroom NOTICE carol :[announcement from boss] restart at noon"],
        )
        self.assertEqual(bob.received(), ["ANNOUNCE boss restart at noon"])
        boss.received()
        boss.send("GBAN carol", "GBANS")
        self.assertEqual(
            boss.received(),
            [
                ":chatroom NOTICE boss :Banned carol!*@* on the whole server",
                ":chatroom NOTICE boss :Server bans: carol!*@*",
            ],
        )
        self.assertEqual(
            carol.received(),
            [
                "ERROR :Closing Link: 127.0.0.1 "
                "(banned from this server: no reason given)"
            ],
        )
        again = IRCClient(self.factory)
        again.send("NICK carol", "USER c 0 * :C")
        self.assertEqual(
            again.received()[0], ":chatroom 465 * :you are banned from this server"
        )
        boss.send("GUNBAN carol!*@*", f"OPER boss {PASSWORD}")
        self.assertEqual(boss.numerics(), ["NOTICE", "381"])
        self.irc("carol")
        bob.send("/gbans")
        self.assertEqual(
            bob.received(), ["ERR NOT_ALLOWED only server admins can /gbans"]
        )


class NetworkBanTests(AccountsCase):
    """Bans by network at the IRC door: ``GBAN ip:...`` and Ergo's ``UBAN``."""

    config = ServerConfig(rate=0, admins=("boss",))

    def boss(self) -> IRCClient:
        self.account("boss")
        client = IRCClient(self.factory, "192.0.2.1")
        client.send(f"PASS {PASSWORD}", "NICK boss", "USER b 0 * :B")
        client.received()
        return client

    def test_a_banned_network_gets_465_and_error(self) -> None:
        """A connected user from the network is closed with the reason;
        a new connection from it gets ``465`` then ``ERROR`` before
        anything it sends is run; another address is let in."""
        boss = self.boss()
        mallory = IRCClient(self.factory, "127.0.0.2")
        mallory.send("NICK mallory", "USER m 0 * :M")
        mallory.received()
        boss.send("GBAN ip:127.0.0.2 1h spam bots")
        (banned,) = boss.received()
        self.assertTrue(
            banned.startswith(
                ":chatroom NOTICE boss :Banned ip:127.0.0.2 on the whole server until "
            ),
            banned,
        )
        self.assertEqual(
            mallory.received(),
            ["ERROR :Closing Link: 127.0.0.2 (banned from this server: spam bots)"],
        )
        again = IRCClient(self.factory, "127.0.0.2")
        again.send("NICK mallory", "USER m 0 * :M")
        self.assertEqual(
            again.received(),
            [
                ":chatroom 465 * :banned from this server: spam bots",
                "ERROR :Closing Link: 127.0.0.2 (banned from this server: spam bots)",
            ],
        )
        other = IRCClient(self.factory, "127.0.0.3")
        other.send("NICK carol", "USER c 0 * :C")
        self.assertIn(" 001 carol ", other.received()[0])

    def test_uban_add_list_del(self) -> None:
        """Ergo's ``UBAN``: a bare network is an ``ip:`` ban, with
        ``DURATION`` and a reason; ``LIST`` shows who set it, its end and
        why; ``DEL`` lifts it; non-admins get ``481``."""
        boss = self.boss()
        carol = IRCClient(self.factory, "127.0.0.3")
        carol.send("NICK carol", "USER c 0 * :C")
        carol.received()
        carol.send("UBAN LIST")
        self.assertEqual(carol.numerics(), ["481"])
        boss.send("UBAN ADD 127.0.0.0/30 DURATION 2h :raid from a botnet")
        (added,) = boss.received()
        self.assertRegex(
            added,
            r"^:chatroom NOTICE boss :Successfully added ban on ip:127\.0\.0\.0/30 "
            r"until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$",
        )
        self.assertEqual(
            carol.received(),
            [
                "ERROR :Closing Link: 127.0.0.3 "
                "(banned from this server: raid from a botnet)"
            ],
        )
        boss.send("UBAN LIST")
        listed = boss.received()
        self.assertRegex(
            listed[0],
            r"^:chatroom NOTICE boss :Ban ip:127\.0\.0\.0/30 set by boss until "
            r"\S+: raid from a botnet$",
        )
        self.assertEqual(listed[1:], [":chatroom NOTICE boss :End of bans (1)"])
        boss.send("UBAN DEL 127.0.0.0/30", "UBAN DEL 127.0.0.0/30")
        self.assertEqual(
            boss.received(),
            [
                ":chatroom NOTICE boss :Removed ban on ip:127.0.0.0/30",
                ":chatroom NOTICE boss :BAD_ARGS ip:127.0.0.0/30 is not banned "
                "from the server",
            ],
        )
        back = IRCClient(self.factory, "127.0.0.3")
        back.send("NICK carol", "USER c 0 * :C")
        self.assertIn(" 001 carol ", back.received()[0])


class LockdownTests(AccountsCase):
    """``LOCKDOWN`` at the IRC door, and what a newcomer meets there."""

    config = ServerConfig(rate=0, admins=("boss",))

    def test_levels(self) -> None:
        """The admin asks and sets it (a ``NOTICE`` each time); under
        ``accounts`` a plain nick is refused and ``PASS`` signs in; under
        ``closed`` only the admin's sign-in gets in."""
        self.account("alice")
        self.account("boss")
        boss = self.signed_in("boss")
        boss.send("LOCKDOWN")
        self.assertEqual(boss.received(), [":chatroom NOTICE boss :LOCKDOWN off -"])
        boss.send("LOCKDOWN accounts")
        self.assertEqual(
            boss.received(), [":chatroom NOTICE boss :LOCKDOWN accounts boss"]
        )
        plain = IRCClient(self.factory)
        plain.send("NICK mallory", "USER m 0 * :M")
        lines = plain.received()
        self.assertIn(":chatroom FAIL * ACCOUNT_REQUIRED", lines[0])
        self.assertEqual(lines[-1], "ERROR :Closing Link: 127.0.0.1 (Account required)")
        self.signed_in("alice")
        boss.send("LOCKDOWN closed")
        boss.received()
        closed = IRCClient(self.factory)
        closed.send(f"PASS {PASSWORD}", "NICK alice", "USER a 0 * :A")
        lines = closed.received()
        self.assertEqual(
            lines[-1],
            "ERROR :Closing Link: 127.0.0.1 (the server is closed to new "
            "sessions: only admins may sign in)",
        )
        self.signed_in("boss")
        carol = IRCClient(self.factory)
        carol.send("NICK carol", "USER c 0 * :C")
        carol.received()
        carol.send("LOCKDOWN off")
        self.assertEqual(carol.numerics(), [])


class SilenceTests(AccountsCase):
    """IRC's ``SILENCE`` is the account's ignore list."""

    def test_silence(self) -> None:
        self.account("alice")
        alice = self.signed_in("alice")
        alice.send("JOIN #general")
        mallory = self.irc("mallory")
        mallory.send("JOIN #general")
        alice.received()
        alice.send("SILENCE +mallory!*@*")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom SILENCE +mallory!*@*"]
        )
        mallory.send("PRIVMSG #general :spam", "PRIVMSG alice :psst")
        alice.send("SILENCE")
        self.assertEqual(
            alice.received(),
            [
                ":chatroom 271 alice :mallory!*@*",
                ":chatroom 272 alice :End of Silence List",
            ],
        )
        alice.send("SILENCE -mallory")
        self.assertEqual(
            alice.received(), [":alice!alice@chatroom SILENCE -mallory!*@*"]
        )
        mallory.send("PRIVMSG alice :hello")
        self.assertEqual(
            [line.split(" ", 1)[1] for line in alice.received()],
            ["PRIVMSG alice :hello"],
        )

    def test_chathistory_leaves_out_the_silenced(self) -> None:
        """``CHATHISTORY`` of a room and of a conversation leaves out what
        a silenced nick said, and has it again once unsilenced."""
        self.account("alice")
        self.account("mallory")
        alice = self.signed_in("alice")
        alice.send("JOIN #general")
        mallory = self.signed_in("mallory")
        mallory.send("JOIN #general")
        bob = self.irc("bob")
        bob.send("JOIN #general", "PRIVMSG #general :hello all")
        mallory.send("PRIVMSG #general :spam", "PRIVMSG alice :psst")
        alice.send("SILENCE +mallory")
        alice.received()

        def said(target: str) -> list[str]:
            alice.send(f"CHATHISTORY LATEST {target} * 10")
            lines = [x for x in alice.received() if " PRIVMSG " in x]
            texts = [x.split(" :", 1)[1] for x in lines]
            return [re.sub(r"^\[\d\d:\d\d\] ", "", text) for text in texts]

        self.assertEqual(said("#general"), ["hello all"])
        self.assertEqual(said("mallory"), [])
        alice.send("SILENCE -mallory")
        alice.received()
        self.assertEqual(said("#general"), ["hello all", "spam"])
        self.assertEqual(said("mallory"), ["psst"])
