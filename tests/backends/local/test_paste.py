"""Pastes (issue 22) with the in-process registry, at the line and IRC doors.

The contract (:mod:`tests.backends.contracts.paste`) on the local back-end; the
paste's parsing; a paste as IRC clients get it, and an IRC client's
``draft/multiline`` batch and a paste of the same lines stored alike; the
flood limit; a paste found by ``/search``. Real protocols over
``StringTransport`` and a ``task.Clock``.
"""

from __future__ import annotations

from twisted.internet.task import Clock
from twisted.trial import unittest

from chatroom.core.model import multiline
from chatroom.core.model.config import ServerConfig
from chatroom.core.model.errors import ChatError
from tests.backends.contracts.handler import CONFIG
from tests.backends.contracts.paste import CODE, CODE_TAG, CODE_TEXT, PasteContract
from tests.doors.irc.test_ircv3 import CapsTestCase, tags_of, untagged
from tests.support import NOW, STAMP, FakeClient, StoreFileTestCase, local_server


class LocalRegistryPasteTests(PasteContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(CONFIG, self.clock)


class PasteParsingTests(unittest.TestCase):
    """:func:`chatroom.core.model.multiline.paste`, the one parser of a paste."""

    def test_lines_are_stored_as_a_multiline_batch_stores_them(self) -> None:
        """The text is the lines joined by a space, blank ones left out; the
        tag holds every line, blank ones too, in the batch's encoding."""
        text, tags = multiline.paste(r"one\n\ntwo\\three")
        self.assertEqual(text, "one two\\three")
        lines = [("one", False), ("", False), ("two\\three", False)]
        self.assertEqual(tags, ((multiline.MULTILINE_TAG, "one\n\ntwo\\three"),))
        self.assertEqual(multiline.decode_lines(tags[0][1]), lines)
        self.assertEqual(text, multiline.joined_text(lines))

    def test_unknown_escapes_are_the_character_and_a_trailing_one_nothing(
        self,
    ) -> None:
        """``\\x`` is ``x`` and a lone backslash at the end is dropped, as
        IRCv3 tag values are unescaped."""
        self.assertEqual(multiline.paste("a\\x b\\"), ("ax b", ()))

    def test_bounds_are_the_irc_doors(self) -> None:
        """32 lines and 4000 bytes (UTF-8, breaks not counted) pass; one
        more line or byte is BAD_ARGS."""
        text, _ = multiline.paste(r"\n".join(["x" * 125] * 32))  # 4000 bytes
        self.assertEqual(len(text), 32 * 126 - 1)
        self.fail_with(r"\n".join(["x"] * 33), "BAD_ARGS")
        self.assertEqual(len(multiline.paste("é" * 2000)[0]), 2000)  # 4000 bytes
        self.fail_with("é" * 2000 + "x", "BAD_ARGS")

    def fail_with(self, escaped: str, code: str) -> None:
        """``escaped`` is refused with ``code``."""
        with self.assertRaises(ChatError) as refused:
            multiline.paste(escaped)
        self.assertEqual(refused.exception.code, code)


class PasteAtTheIRCDoorTests(CapsTestCase):
    """bob (line) pastes in tea; alice has draft/multiline, carol nothing."""

    def setUp(self) -> None:
        super().setUp()
        self.bob, _ = self.line_room("bob")
        self.alice = self.capped(
            "alice", "batch", "draft/multiline", "message-tags", "echo-message"
        )
        self.carol = self.capped("carol")
        for client in (self.alice, self.carol):
            client.send("JOIN #tea")
        for client in (self.alice, self.carol):
            client.received()
        self.bob.received()

    def test_multiline_clients_get_a_batch_others_a_privmsg_per_line(
        self,
    ) -> None:
        """alice gets one draft/multiline batch with every line (the blank
        one too), the msgid on its start; carol one PRIVMSG per non-blank
        line."""
        self.bob.send(CODE)
        lines = self.alice.received()
        start = untagged(lines[0])
        ref = start.split(" ")[2][1:]
        self.assertEqual(start, f":chatroom BATCH +{ref} draft/multiline #tea")
        self.assertEqual(tags_of(lines[0])["msgid"], self.msgid("tea", 1))
        self.assertEqual(
            [untagged(line).partition(" :")[2] for line in lines[1:-1]],
            ["def brew(pot):", "    return pot.pour()", "", "brew(tea)"],
        )
        self.assertEqual(lines[-1], f":chatroom BATCH -{ref}")
        self.assertEqual(
            self.carol.received(),
            [
                ":bob!bob@chatroom PRIVMSG #tea :def brew(pot):",
                ":bob!bob@chatroom PRIVMSG #tea :    return pot.pour()",
                ":bob!bob@chatroom PRIVMSG #tea :brew(tea)",
            ],
        )

    def test_an_irc_batch_and_a_paste_are_stored_alike(self) -> None:
        """alice's batch of the paste's lines and bob's paste reach a rich
        line user as the same line, but for the id and the sender."""
        dave = self.line("dave")
        dave.send("/caps rich")
        dave.send("/join tea")
        dave.received()
        self.bob.send(CODE)
        self.alice.send(
            "BATCH +p draft/multiline #tea",
            "@batch=p PRIVMSG #tea :def brew(pot):",
            "@batch=p PRIVMSG #tea :    return pot.pour()",
            "@batch=p PRIVMSG #tea :",
            "@batch=p PRIVMSG #tea :brew(tea)",
            "BATCH -p",
        )
        self.assertEqual(
            dave.received(),
            [
                f"@1;{CODE_TAG} MSG tea bob {STAMP} {CODE_TEXT}",
                f"@2;{CODE_TAG} MSG tea alice {STAMP} {CODE_TEXT}",
            ],
        )


class PasteFloodTests(unittest.TestCase):
    """A paste counts once against the flood limit, whatever its lines."""

    def test_a_paste_of_32_lines_is_one_line_of_the_burst(self) -> None:
        """With a burst of 3, alice's three pastes of 32 lines go at once
        and bob gets each as one message; a fourth line waits (SLOW)."""
        clock = Clock()
        server = local_server(ServerConfig(rate=1, burst=3), clock)
        alice, bob = FakeClient(server), FakeClient(server)
        for line in ("alice", "/create tea"):
            alice.send(line)
        for line in ("bob", "/join tea"):
            bob.send(line)
        clock.advance(10)  # tokens back
        alice.received(), bob.received()
        paste = "/paste " + r"\n".join(f"line {n}" for n in range(32))
        alice.send(f"{paste}\r\n{paste}\r\n{paste}\r\nlast\r\n".encode())
        self.assertEqual(len(bob.received()), 3)
        self.assertEqual([x[:7] for x in alice.received()[3:]], ["SLOW 1 "])
        clock.advance(1)
        self.assertEqual([x.rsplit(" ", 1)[1] for x in bob.received()], ["last"])


class PasteSearchTests(unittest.TestCase):
    """A paste is found by ``/search`` by its joined text."""

    def test_search_finds_a_paste_by_any_of_its_lines(self) -> None:
        """A word of the paste's third line finds it: one FOUND line, its
        text the joined lines."""
        clock = Clock()
        clock.advance(NOW)
        alice = FakeClient(local_server(ServerConfig(rate=0), clock))
        for line in ("alice", "/create tea", CODE, "something else"):
            alice.send(line)
        alice.received()
        alice.send("/search tea")
        self.assertEqual(
            alice.received(),
            [f"FOUND tea 1 alice {STAMP} {CODE_TEXT}", "FOUND_END 1"],
        )


class PasteStoreTests(StoreFileTestCase):
    """A paste in the ``--db`` file, across a restart (a crash: only what
    was flushed counts)."""

    def test_lines_survive_a_restart_and_an_edit_drops_them(self) -> None:
        """After a restart a rich joiner gets both pastes with their lines;
        the one edited since reads as edited, without lines."""
        alice = FakeClient(self.start())
        for line in ("alice", "/create tea", CODE, CODE, "/edit 2 just one line"):
            alice.send(line)
        carol = FakeClient(self.start())
        for line in ("carol", "/caps rich", "/join tea"):
            carol.send(line)
        history = [line for line in carol.received() if line.startswith("@")]
        self.assertEqual(
            [line.split(" ", 1)[0] for line in history],
            [f"@1;{CODE_TAG}", "@2", "@3"],
        )
        self.assertTrue(history[0].endswith(f" {CODE_TEXT}"), history[0])
        self.assertTrue(history[1].endswith(" just one line"), history[1])
