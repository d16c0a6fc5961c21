"""Tags-only messages (IRC's ``TAGMSG``) kept in a room's history and
played back to IRC clients with ``draft/event-playback`` (irctest
chathistory.py testChathistoryTagmsg), for every registry.

:class:`TagHistoryContract` drives real IRC clients (``IRCProtocol`` over
``StringTransport``) and a line user; it runs against the in-process
registry (``tests/backends/local/test_tag_history.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_tag_history.py``). The SQLite
store keeping one across a restart is ``tests/backends/local/test_store.py``'s.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.model.config import ServerConfig
from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import IRCContractBase
from tests.backends.contracts.room_times import without_batch
from tests.doors.irc.test_irc import IRCClient

CONFIG = ServerConfig(rate=0, rooms=(), history=2)

#: What both IRC clients ask for; ``draft/event-playback`` on top for ian.
HISTORY_CAPS = "message-tags server-time echo-message batch draft/chathistory"


@defer.inlineCallbacks
def in_tea(
    contract: IRCContractBase, nick: str, *caps: str
) -> Generator[Any, Any, IRCClient]:
    """An IRC client of ``contract``'s server called ``nick`` with
    ``caps``, in #tea."""
    irc = IRCClient(IRCFactory(contract.server))
    irc.send(f"CAP REQ :{' '.join(caps)}", f"NICK {nick}", f"USER {nick} 0 * :x")
    irc.send("CAP END", "JOIN #tea")
    yield contract.heard(irc, "366")
    return irc


@defer.inlineCallbacks
def played(contract: IRCContractBase, irc: IRCClient) -> Generator[Any, Any, list[str]]:
    """The lines ``CHATHISTORY LATEST #tea * 10`` answers ``irc`` with,
    inside its batch, without their ``batch`` tag."""
    irc.send("CHATHISTORY LATEST #tea * 10")
    yield contract.heard(irc, "BATCH")  # its opening
    lines = yield contract.heard(irc, "BATCH")  # ... up to its end
    return [without_batch(line) for line in lines[:-1]]


class TagHistoryContract(IRCContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def test_tags_played_back_with_event_playback_only(
        self,
    ) -> Generator[Any, Any, None]:
        """ian's TAGMSG between two messages is relayed to otto with the
        msgid and time its echo has, and CHATHISTORY gives it back to ian
        (event-playback) exactly as echoed, between the messages; otto
        (no event-playback) gets the messages alone."""
        ian = yield in_tea(self, "ian", *HISTORY_CAPS.split(), "draft/event-playback")
        otto = yield in_tea(self, "otto", *HISTORY_CAPS.split())
        yield self.heard(ian, "JOIN")
        echoes = []
        said = ("PRIVMSG #tea :one", "@+x/tag=yes TAGMSG #tea", "PRIVMSG #tea :two")
        for line in said:
            ian.send(line)
            echoes += yield self.heard(ian, "TAGMSG" if "TAGMSG" in line else "PRIVMSG")
        relayed = yield self.heard(otto, "TAGMSG")
        self.assertEqual(relayed[-1], echoes[1])
        self.assertIn("+x/tag=yes;msgid=", echoes[1])
        self.assertEqual((yield played(self, ian)), echoes)
        self.assertEqual((yield played(self, otto)), [echoes[0], echoes[2]])

    @defer.inlineCallbacks
    def test_line_users_see_nothing_of_kept_tags(
        self,
    ) -> Generator[Any, Any, None]:
        """With ``--history 2``: two messages, then two TAGMSGs. A line user
        joining gets the newest two messages (the tags are kept, for IRC's
        event playback, but do not count), and ``/history`` shows the
        messages alone."""
        (lina,) = yield self.in_room("tea", "lina")
        ian = yield in_tea(self, "ian", "message-tags")
        for line in ("PRIVMSG #tea :one", "PRIVMSG #tea :two"):
            ian.send(line)
            yield self.expect(lina, "MSG tea ian")
        ian.send("@+x/tag=1 TAGMSG #tea", "@+x/tag=2 TAGMSG #tea", "PRIVMSG #tea :end")
        last = yield self.expect(lina, "MSG tea ian ")
        self.assertTrue(last.endswith(" end"), last)
        lina.say("/history 10")
        said = []
        for _ in range(3):
            said.append((yield self.expect(lina, "HISTORY ")).rpartition(" ")[2])
        self.assertEqual(said, ["one", "two", "end"])
        self.assertFalse([x for x in lina.unread() if x.startswith("HISTORY ")])
        _carol, shown = yield self.joiner_sees("carol", "tea", 2)
        self.assertEqual(shown, ["two", "end"])

    @defer.inlineCallbacks
    def test_typing_and_reactions_are_not_kept_as_tags(
        self,
    ) -> Generator[Any, Any, None]:
        """A typing notice is of the moment and a reaction is kept as a
        reaction: neither comes back as a TAGMSG from CHATHISTORY."""
        ian = yield in_tea(self, "ian", *HISTORY_CAPS.split(), "draft/event-playback")
        ian.send("PRIVMSG #tea :one")
        (echo,) = yield self.heard(ian, "PRIVMSG")
        msgid = echo.split("msgid=")[1].split(";")[0].split(" ")[0]
        ian.send("@+typing=active TAGMSG #tea")
        yield self.heard(ian, "TAGMSG")
        ian.send(f"@+draft/reply={msgid};+draft/react=👍 TAGMSG #tea")
        yield self.heard(ian, "TAGMSG")
        self.assertEqual((yield played(self, ian)), [echo])
