"""Pastes (``/paste``, issue 22) over real sockets, at every door of the service.

A WebSocket user pastes (the line protocol in frames); a ``rich`` line
user gets the lines as its ``multiline`` tag, an IRC client with
``draft/multiline`` a batch, a plain IRC client one ``PRIVMSG`` per line.
"""

from __future__ import annotations

import re

from twisted.internet import defer, reactor
from twisted.internet.endpoints import TCP4ClientEndpoint, connectProtocol

from chatroom.doors.irc.msgids import room_digest
from tests.backends.contracts.paste import CODE, CODE_TAG, CODE_TEXT
from tests.doors.irc.test_ircv3 import tags_of, untagged
from tests.integration.test_doors import DoorsTestCase
from tests.support import LineClient


class PasteOverSocketsTests(DoorsTestCase):
    """lina (line, rich), ivy (IRC), wes (browser) and mo (IRC, multiline)."""

    @defer.inlineCallbacks
    def multiline_client(self, nick: str):
        """An IRC client with ``batch`` and ``draft/multiline``, in #general."""
        endpoint = TCP4ClientEndpoint(reactor, "127.0.0.1", self.irc_port)
        client = yield connectProtocol(endpoint, LineClient())
        self.clients.append(client)
        client.say("CAP LS 302")
        client.say("CAP REQ :batch draft/multiline message-tags")
        yield client.expect(lambda line: " CAP * ACK " in line)
        client.say(f"NICK {nick}")
        client.say(f"USER {nick} 0 * :{nick}")
        client.say("CAP END")
        yield client.expect(lambda line: " 376 " in line)
        client.say("JOIN #general")
        yield client.expect(lambda line: " 366 " in line)
        return client

    @defer.inlineCallbacks
    def test_a_browser_paste_reaches_every_door_as_one_message(self):
        """wes pastes four lines from the browser: lina (rich) gets one MSG
        tagged with the lines, ivy a PRIVMSG per non-blank line, mo one
        draft/multiline batch with all four; a 33-line paste is refused."""
        lina, ivy, wes = yield self.three_in_general()
        lina.say("/caps rich")
        yield lina.expect_line("CAPS ")
        mo = yield self.multiline_client("mo")
        yield lina.expect(lambda line: line.startswith("JOIN general mo"))
        wes.say(CODE)
        rich = yield lina.expect(lambda line: " MSG general wes " in line)
        self.assertRegex(rich, rf"^@\d+;{re.escape(CODE_TAG)} MSG ")
        self.assertTrue(rich.endswith(f" {CODE_TEXT}"), rich)
        mine = yield wes.expect_line("MSG general wes ")
        self.assertTrue(mine.endswith(f" {CODE_TEXT}"), mine)
        said = []
        for _ in range(3):
            line = yield ivy.expect(lambda line: " PRIVMSG #general :" in line)
            said.append(line.partition(" :")[2])
        self.assertEqual(said, ["def brew(pot):", "    return pot.pour()", "brew(tea)"])
        start = yield mo.expect(lambda line: " BATCH +" in line)
        _, digest, event_id = tags_of(start)["msgid"].split("-")
        self.assertEqual(
            (digest, event_id), (room_digest("general"), rich[1:].partition(";")[0])
        )
        batch = []
        while True:
            line = yield mo.expect(lambda line: " BATCH -" in line or "PRIVMSG" in line)
            if " BATCH -" in line:
                break
            batch.append(untagged(line).partition(" :")[2])
        self.assertEqual(
            batch, ["def brew(pot):", "    return pot.pour()", "", "brew(tea)"]
        )
        wes.say("/paste " + r"\n".join(["x"] * 33))
        refusal = yield wes.expect_line("ERR ")
        self.assertTrue(refusal.startswith("ERR BAD_ARGS a paste is at most 32 lines"))
