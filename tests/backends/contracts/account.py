"""Who is signed in to what, as IRC clients are told, for every registry.

:class:`AccountNewsContract` puts a real IRC client (``IRCProtocol`` over
``StringTransport``) with ``account-notify``, ``account-tag`` and
``extended-join`` in a room with line users, who register, join and
speak; it checks the IRC lines that result, and that line users are told
nothing new. It runs against the in-process registry
(``tests/backends/local/test_account_news.py``) and the Redis one on a real redis-server
(``tests/backends/redis/test_account_news.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import ContractBase, Looks
from tests.doors.irc.test_irc import IRCClient

CONFIG = ServerConfig(rate=0, rooms=())
PASSWORD = "horse-battery-staple"
CAPS = "account-notify account-tag extended-join"


class AccountNewsContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def heard(self, client: IRCClient, word: str) -> Generator[Any, Any, list[str]]:
        """What ``client`` receives up to the first line with ``word`` in it
        (waiting on Redis), that line last."""
        lines: list[str] = []
        looks = Looks()
        while looks.more():
            for line in client.received():
                lines.append(line)
                if f" {word} " in line:
                    return lines
            yield looks.wait(self.wait())
        raise AssertionError(f"no {word} in {lines!r}")

    @defer.inlineCallbacks
    def test_registering_in_a_room_is_told_to_irc(
        self,
    ) -> Generator[Any, Any, None]:
        """lina, a line user in #tea, registers her name: the IRC client in
        the room hears ``ACCOUNT lina``, then her message carries
        ``account=lina``; bob's join shows no account (``*``); the line
        user in the room sees neither."""
        lina, bea = yield self.in_room("tea", "lina", "bea")
        watcher = IRCClient(IRCFactory(self.server))
        watcher.send(f"CAP REQ :{CAPS}", "NICK wat", "USER w 0 * :W", "CAP END")
        watcher.send("JOIN #tea")
        yield self.heard(watcher, "366")  # the end of NAMES
        lina.say(f"/register {PASSWORD}")
        yield self.expect(lina, "REGISTERED lina")
        news = yield self.heard(watcher, "ACCOUNT")
        self.assertEqual(news, ["@account=lina :lina!lina@chatroom ACCOUNT lina"])
        lina.say("hello")
        said = yield self.heard(watcher, "PRIVMSG")
        self.assertEqual(
            said, ["@account=lina :lina!lina@chatroom PRIVMSG #tea :hello"]
        )
        bob = yield self.connect("bob")
        bob.say("/join tea")
        joined = yield self.heard(watcher, "JOIN")
        self.assertEqual(joined, [":bob!bob@chatroom JOIN #tea * :bob"])
        yield self.expect(bea, "JOIN tea bob")
        self.assertEqual([line for line in bea.unread() if "ACCOUNT" in line], [])
