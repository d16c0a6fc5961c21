"""IRC ``msgid``\\ s against every registry: unique per room, read back.

:class:`MsgidContract` drives a real IRC client (``IRCProtocol`` over
``StringTransport``) and a line user; it runs against the in-process
registry (``tests/doors/irc/test_irc_msgids.py``) and the Redis one on a real
redis-server (``tests/backends/redis/test_msgids.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.doors.irc.protocol import IRCFactory
from tests.backends.contracts.handler import IRCContractBase
from tests.doors.irc.test_irc import IRCClient
from tests.doors.irc.test_ircv3 import tags_of, untagged

#: What an IRC client asks for to see msgids and ask for history.
CHATHISTORY_CAPS = "message-tags server-time batch draft/chathistory"


class MsgidContract(IRCContractBase):
    """Subclasses mix in a TestCase and provide ``server``."""

    @defer.inlineCallbacks
    def test_rooms_have_their_own_msgids_read_back_in_their_room(
        self,
    ) -> Generator[Any, Any, None]:
        """Line user lina says two messages in tea and two in cafe, each
        room's events counting from 1 at the line door: the IRC client
        gets four different msgids, each the registry's epoch, its room
        and its id; ``CHATHISTORY AFTER`` a msgid of tea gives tea's next
        message, and the same msgid is unknown in cafe."""
        irc = IRCClient(IRCFactory(self.server))
        irc.send(f"CAP REQ :{CHATHISTORY_CAPS}", "NICK ian", "USER i 0 * :I")
        irc.send("CAP END", "JOIN #tea", "JOIN #cafe")
        yield self.heard(irc, "366")
        yield self.heard(irc, "366")
        lina = yield self.connect("lina")
        said: dict[str, list[tuple[str, str]]] = {}
        for room in ("tea", "cafe"):
            lina.say(f"/join {room}")
            yield self.expect(lina, f"MEMBERS {room} ")
            for text in (f"{room} one", f"{room} two"):
                lina.say(text)
                (line,) = (yield self.heard(irc, "PRIVMSG"))[-1:]
                said.setdefault(room, []).append((tags_of(line)["msgid"], text))
        msgids = [msgid for room in said for msgid, _ in said[room]]
        self.assertEqual(len(set(msgids)), 4)
        epoch = self.server.registry.store_epoch
        self.assertTrue(epoch)
        for msgid in msgids:
            self.assertTrue(msgid.startswith(f"{epoch}-"), msgid)
        first_tea = said["tea"][0][0]
        irc.send(f"CHATHISTORY AFTER #tea msgid={first_tea} 10")
        played = yield self.heard(irc, "BATCH")  # its opening
        played = (yield self.heard(irc, "BATCH"))[:-1]  # ... to its end
        self.assertEqual(
            [(tags_of(x)["msgid"], untagged(x).split(" :", 1)[1]) for x in played],
            said["tea"][1:],
        )
        irc.send(f"CHATHISTORY AFTER #cafe msgid={first_tea} 10")
        (refused,) = (yield self.heard(irc, "FAIL"))[-1:]
        self.assertIn(" FAIL CHATHISTORY INVALID_PARAMS AFTER ", refused)
