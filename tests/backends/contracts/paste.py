"""Pastes (issue 22): ``/paste TEXT``, run against every registry.

One message of several lines, stored as an IRC ``draft/multiline`` batch
is, as rich and plain users see it, with the in-process registry
(``tests/backends/local/test_paste.py``) and with a real ``redis-server``
(``tests/backends/redis/test_paste.py``).
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from tests.backends.contracts.rich import RichRoom, id_of

#: alice's paste: a function, a blank line, a call (escaped as on the wire).
CODE = r"/paste def brew(pot):\n    return pot.pour()\n\nbrew(tea)"
#: Its ``multiline`` tag as a rich client reads it (a tag value, escaped).
CODE_TAG = r"multiline=def\sbrew(pot):\n\s\s\s\sreturn\spot.pour()\n\nbrew(tea)"
#: Its text for those who cannot show lines: joined by a space, no blank.
CODE_TEXT = "def brew(pot):     return pot.pour() brew(tea)"


class PasteContract(RichRoom):
    """What a paste is for each kind of member, and what is refused."""

    @defer.inlineCallbacks
    def test_a_paste_is_one_message_with_its_lines(
        self,
    ) -> Generator[Any, Any, None]:
        """alice's four-line paste is one MSG with one id: carol (rich) gets
        its lines in the ``multiline`` tag, bob (ids) the joined text with
        the id, alice (plain) the joined text; the next message's id is the
        one after."""
        alice, bob, carol = yield self.rich_room()
        alice.say(CODE)
        rich = yield self.expect(carol, "@")
        self.assertRegex(rich, r"^@\d+;")
        tags, _, line = rich.partition(" ")
        self.assertEqual(tags, f"@{id_of(rich)};{CODE_TAG}")
        self.assertRegex(line, rf"^MSG tea alice \S+ {re.escape(CODE_TEXT)}$")
        self.assertEqual((yield self.expect(bob, "@")), f"@{id_of(rich)} {line}")
        self.assertEqual((yield self.expect(alice, "MSG ")), line)
        alice.say("after")
        after = yield self.expect(carol, "@")
        self.assertEqual(int(id_of(after)), int(id_of(rich)) + 1)
        self.assertEqual(carol.unread(), [])

    @defer.inlineCallbacks
    def test_a_paste_is_replayed_as_any_message(
        self,
    ) -> Generator[Any, Any, None]:
        """``/history`` gives carol the paste with its tag, and a plain
        joiner its joined text as a plain HISTORY line."""
        alice, bob, carol = yield self.rich_room()
        alice.say(CODE)
        rich = yield self.expect(carol, "@")
        carol.say("/history 5")
        yield self.expect(carol, "HISTORY_END tea 1")
        self.assertEqual(carol.lines[-2], rich.replace(" MSG ", " HISTORY ", 1))
        bob.say("/leave")
        yield self.expect(bob, "ROOMS ")
        bob.say("/caps rich")
        yield self.expect(bob, "CAPS ")
        bob.say(f"/join tea since {int(id_of(rich)) - 1}")
        replay = yield self.expect(bob, "@")
        self.assertEqual(replay, rich.replace(" MSG ", " HISTORY ", 1))
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        alice.say("/join tea")
        plain = yield self.expect(alice, "HISTORY ")
        self.assertEqual(plain, rich.partition(" ")[2].replace("MSG", "HISTORY", 1))

    @defer.inlineCallbacks
    def test_escapes_and_a_single_line(self) -> Generator[Any, Any, None]:
        """``\\\\`` is a backslash, ``\\:`` a semicolon; blank lines at the
        ends are dropped, so a paste of one line is a plain message, no tag."""
        _, _, carol = yield self.rich_room()
        carol.say(r"/paste \n\nC:\\tea\\pot.txt\:\sfull\n\n")
        said = yield self.expect(carol, "@")
        self.assertRegex(said, r"^@\d+ MSG tea carol \S+ C:\\tea\\pot\.txt; full$")
        carol.say(r"/paste one\r\ntwo\rthree")
        crlf = yield self.expect(carol, "@")
        self.assertRegex(crlf, r"^@\d+;multiline=one\\ntwo\\nthree MSG tea carol ")
        self.assertTrue(crlf.endswith(" one two three"), crlf)

    @defer.inlineCallbacks
    def test_bad_pastes_are_refused_and_nothing_is_said(
        self,
    ) -> Generator[Any, Any, None]:
        """Nothing to paste, 33 lines, 4001 bytes: ``BAD_ARGS`` saying so; a
        control character: ``BAD_TEXT``; a paste from the lobby:
        ``NOT_IN_ROOM``. Nobody else hears anything."""
        alice, bob, carol = yield self.rich_room()
        refused = [
            ("/paste", "ERR BAD_ARGS nothing to paste; usage: /paste TEXT"),
            (r"/paste \n \n", "ERR BAD_ARGS nothing to paste"),
            (
                "/paste " + r"\n".join(["x"] * 33),
                "ERR BAD_ARGS a paste is at most 32 lines and 4000 bytes:"
                " this one has 33 lines, 33 bytes",
            ),
            (
                "/paste " + "y" * 2000 + r"\n" + "z" * 2001,
                "ERR BAD_ARGS a paste is at most 32 lines and 4000 bytes:"
                " this one has 2 lines, 4001 bytes",
            ),
            ("/paste ok\n\x07bell".replace("\n", r"\n"), "ERR BAD_TEXT "),
        ]
        for line, error in refused:
            alice.say(line)
            self.assertTrue((yield self.expect(alice, "ERR ")).startswith(error))
        alice.say("/paste " + r"\n".join(["x"] * 32))
        said = yield self.expect(carol, "@")
        self.assertEqual(said.rsplit(" ", 32)[1:], ["x"] * 32)
        yield self.expect(bob, "@")
        yield self.expect(alice, "MSG ")
        self.assertEqual((bob.unread(), carol.unread()), ([], []))
        alice.say("/leave")
        yield self.expect(alice, "ROOMS ")
        alice.say(r"/paste a\nb")
        refusal = yield self.expect(alice, "ERR ")
        self.assertTrue(refusal.startswith("ERR NOT_IN_ROOM"), refusal)

    @defer.inlineCallbacks
    def test_an_edited_paste_is_one_line(self) -> Generator[Any, Any, None]:
        """alice edits her paste: the edit is one line, so a rich replay
        shows the message with its new text and no ``multiline`` tag (its
        old lines would contradict it), then the EDIT."""
        alice, _, carol = yield self.rich_room()
        alice.say(CODE)
        pasted = id_of((yield self.expect(carol, "@")))
        alice.say(f"/edit {pasted} brew(tea) will do")
        yield self.expect(carol, "@")
        carol.say("/history 5")
        yield self.expect(carol, "HISTORY_END tea 2")
        self.assertRegex(
            carol.lines[-3], rf"^@{pasted} HISTORY tea alice \S+ brew\(tea\) will do$"
        )
        self.assertRegex(carol.lines[-2], rf"^@\d+ EDIT tea {pasted} alice ")
