"""Server admins at the IRC door: what an ``--admins`` account may do there
(the line door's admin commands, as IRC commands)."""

from __future__ import annotations

from chatroom.core.config import ServerConfig
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
