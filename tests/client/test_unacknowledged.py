"""What the user says goes with a key and stands pending until its ``ACK``
(protocol.md, *Saying it once*; client.md, *The outbox*).

The controller on a fake server and a ``task.Clock``, as in
test_controller: each case a user would notice, a line typed while
disconnected, a connection lost before the answer, ``ERR UNAVAILABLE``,
a refusal, read off the log's rows and the lines sent.
"""

from __future__ import annotations

from pathlib import Path

from twisted.internet.defer import Deferred, succeed
from twisted.python.filepath import FilePath

from chatroom.client.entries import EntryKind, LogEntry, Page, log_key
from chatroom.client.logfile import RoomLogger
from chatroom.client.unacknowledged import RETRY_FIRST, pending_row
from chatroom.client.uploading import Answer
from chatroom.client.widgets import plain_text
from chatroom.wire.txn import is_key, key_of, keyed_line, may_carry_key, new_key
from tests.client.test_controller import ControllerTestCase
from tests.support import STAMP

TEA = log_key(Page.ROOM, "tea")


class KeyTests(ControllerTestCase):
    """The keys, and what goes with one."""

    def test_fresh_random_keys_the_server_takes(self) -> None:
        """Each thing said has its own key, 22 characters of base64url
        (128 random bits): valid at the server, never two alike."""
        keys = {new_key() for _ in range(1000)}
        self.assertEqual(len(keys), 1000)
        self.assertTrue(all(is_key(key) and len(key) == 22 for key in keys))
        self.assertFalse(is_key("a;b") or is_key("clé"))
        self.assertFalse(is_key("k" * 65))
        self.assertEqual(key_of(keyed_line("Ab_-9", "/say tea hi")), "Ab_-9")
        self.assertIsNone(key_of("/say tea hi"))

    def test_what_is_said_is_keyed_and_nothing_else(self) -> None:
        """Words, ``/me``, a thread's message, a reaction, a private message
        go with a key (a room message as ``/say ROOM``, a room command
        inside ``/in ROOM``); a topic, a join, ``/who`` as they are."""
        self.into_room()
        for line in (
            "hello",
            "/me waves",
            "/thread 7 under the mat",
            "/react 7 👍",
            "/msg bob hi",
            "/topic scones",
            "/who",
        ):
            self.controller.submit(line)
        self.assertEqual(
            self.server.sent(),
            [
                "/txn K /say tea hello",
                "/in tea /txn K /me waves",
                "/in tea /txn K /thread 7 under the mat",
                "/in tea /txn K /react 7 👍",
                "/txn K /msg bob hi",
                "/in tea /topic scones",
                "/in tea /who",
            ],
        )
        self.assertEqual(len(set(self.server.keys)), 5)
        self.assertTrue(may_carry_key("//x") and not may_carry_key("/join tea"))


class PendingRowTests(ControllerTestCase):
    """A line said stands in the log at once, marked, until its ``ACK``."""

    def rows(self, key: str = TEA) -> list[str]:
        return [plain_text(entry) for entry in self.model.logs.lines(key)]

    def said(self, text: str) -> str:
        """In tea (its /who answered), ``text`` typed: its key."""
        self.controller.submit(text)
        self.assertEqual(self.server.sent(), [f"/txn K /say tea {text}"])
        return self.server.keys[-1]

    def setUp(self) -> None:
        super().setUp()
        self.into_room()
        self.server.answer("MEMBERS tea alice")

    def test_shown_sending_then_its_copy_alone(self) -> None:
        """The row says ``sending``; the server's own copy takes its place
        and the ``ACK`` leaves one row, unmarked."""
        key = self.said("anyone for tea?")
        self.assertIn("<alice> anyone for tea? (sending)", self.rows())
        self.server.answer(
            f"@42 MSG tea alice {STAMP} anyone for tea?", f"ACK {key} tea 42"
        )
        mine = [row for row in self.rows() if "anyone for tea?" in row]
        self.assertEqual(mine, ["<alice> anyone for tea?"])
        self.assertEqual(self.controller.unacknowledged.said, {})

    def test_a_repeat_answered_by_ack_alone_is_the_row(self) -> None:
        """Only the ``ACK`` came (its copy was lost with a connection, and
        no replay brought it): the row is the message's, with its id."""
        key = self.said("scones")
        self.server.answer(f"ACK {key} tea 43")
        rows = [e for e in self.model.logs.lines(TEA) if e.text == "scones"]
        self.assertEqual([(row.id, row.pending) for row in rows], [(43, "")])

    def test_its_copy_takes_its_place_above_later_lines(self) -> None:
        """Three lines said at once: the copy of the first comes while the
        others still wait, and stands where the first was typed, above
        them, not below; so do the others' as they come."""
        keys = [self.said(text) for text in ("one", "two", "three")]
        self.server.answer(f"@50 MSG tea alice {STAMP} one", f"ACK {keys[0]} tea 50")
        self.assertEqual(
            self.rows()[-3:],
            ["<alice> one", "<alice> two (sending)", "<alice> three (sending)"],
        )
        self.server.answer(f"@51 MSG tea alice {STAMP} two", f"ACK {keys[1]} tea 51")
        self.server.answer(f"ACK {keys[2]} tea 52")  # its copy came no more
        self.assertEqual(
            self.rows()[-3:], ["<alice> one", "<alice> two", "<alice> three"]
        )
        ids = [entry.id for entry in self.model.logs.lines(TEA)[-3:]]
        self.assertEqual(ids, [50, 51, 52])

    def test_the_log_file_has_each_line_said_once(self) -> None:
        """The room's log file never has a pending row; it has the copy,
        or the row that became the message's on its ``ACK`` alone."""
        folder = FilePath(self.mktemp())
        logger = RoomLogger(self.model, Path(folder.path))
        self.addCleanup(logger.close)
        first = self.said("with its copy")
        second = self.said("on its ack alone")
        self.server.answer(
            f"@60 MSG tea alice {STAMP} with its copy", f"ACK {first} tea 60"
        )
        self.server.answer(f"ACK {second} tea 61")
        filed = (Path(folder.path) / "tea.log").read_text().splitlines()
        said = [line[20:] for line in filed if "<alice>" in line]
        self.assertEqual(said, ["<alice> with its copy", "<alice> on its ack alone"])

    def test_an_uploads_link_is_said_with_a_key(self) -> None:
        """``/upload FILE``: once posted, its link is said in tea as typed
        words are, with a key, standing pending until its ``ACK``."""
        picture = FilePath(self.mktemp())
        picture.setContent(b"\x89PNG")
        link = "http://chat.example/files/abc/cat.png"

        def post(*request: object) -> Deferred[Answer]:
            return succeed(Answer(201, link))

        self.controller.uploads.post = post
        self.controller.submit(f"/upload {picture.path}")
        self.assertEqual(self.server.sent(), ["/token"])
        self.server.answer("TOKEN t0k 3600 http://chat.example/upload")
        self.assertEqual(self.server.sent(), [f"/txn K /say tea {link}"])
        self.assertIn(f"<alice> {link} (sending)", self.rows())
        key = self.server.keys[-1]
        self.server.answer(f"@70 MSG tea alice {STAMP} {link}", f"ACK {key} tea 70")
        self.assertEqual(
            [row for row in self.rows() if link in row], [f"<alice> {link}"]
        )

    def test_a_refusal_takes_it_out_and_says_why(self) -> None:
        """``ERR BAD_TEXT``: the row goes, the refusal is shown, and the
        line is not sent again after a reconnect."""
        self.said("bad\x07words")
        self.server.answer("ERR BAD_TEXT control characters are not allowed")
        self.assertFalse(any("bad" in row for row in self.rows() if "(" in row))
        self.assertIn("! control characters are not allowed", self.rows())
        self.assertEqual(self.controller.unacknowledged.said, {})

    def test_unavailable_goes_again_with_its_key_backing_off(self) -> None:
        """``ERR UNAVAILABLE``: the reason is shown once, the row stays,
        ``waiting to try again``, and the same ``/txn`` goes again after a
        moment, then after longer, without the reason again; its ``ACK``
        leaves the message, one row, and nothing more to tell."""
        key = self.said("still there?")
        refusal = "ERR UNAVAILABLE the store is away, so this was not sent: "
        self.server.answer(refusal + "still there?")
        self.assertIn("<alice> still there? (waiting to try again)", self.rows())
        told = [row for row in self.rows() if "store is away" in row]
        self.assertEqual(
            told, ["! the store is away, so this was not sent: still there?"]
        )
        self.clock.advance(RETRY_FIRST - 0.1)
        self.assertEqual(self.server.sent(), [])
        self.clock.advance(0.1)
        self.assertEqual(self.server.sent(), ["/txn K /say tea still there?"])
        self.assertEqual(self.server.keys[-1], key)
        self.assertIn("<alice> still there? (sending)", self.rows())
        self.server.answer(refusal + "still there?")
        self.clock.advance(RETRY_FIRST * 2 - 0.1)
        self.assertEqual(self.server.sent(), [])
        self.clock.advance(0.1)
        self.assertEqual(self.server.keys[-1], key)
        self.server.answer(
            f"@44 MSG tea alice {STAMP} still there?", f"ACK {key} tea 44"
        )
        self.assertEqual(
            [row for row in self.rows() if "still there?" in row],
            ["<alice> still there?", *told],  # where it was typed, told once
        )
        self.assertEqual(self.controller.unacknowledged.said, {})

    def back(self, *replay: str, room: str = "tea") -> None:
        """Reconnected: the name again, then back in ``room`` (its replay)."""
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("WELCOME alice")
        self.server.say(f"JOINED {room} 2 256", *replay, f"READ {room} 0")

    def test_typed_while_disconnected_waits_then_goes(self) -> None:
        """Typed with no connection: taken (the input clears), shown
        ``waiting``, no "not connected"; once back in tea it goes."""
        self.server.drop()
        self.assertTrue(self.controller.submit("are you there?"))
        self.assertIn("<alice> are you there? (waiting)", self.rows())
        self.assertFalse(any("not connected" in row for row in self.rows()))
        self.back()
        sent = self.server.sent()
        self.assertIn("/txn K /say tea are you there?", sent)
        self.assertIn("<alice> are you there? (sending)", self.rows())

    def test_lost_with_the_connection_goes_again_shown_once(self) -> None:
        """Unanswered when the connection drops: no "not confirmed" note;
        sent again with its key once back, after the replay, which had
        brought it (it had arrived): the ``ACK`` leaves that row alone."""
        key = self.said("did it arrive?")
        self.server.drop()
        self.assertFalse(any("not confirmed" in row for row in self.rows()))
        self.assertIn("<alice> did it arrive? (waiting)", self.rows())
        self.back(f"@45 HISTORY tea alice {STAMP} did it arrive?")
        self.assertIn("/txn K /say tea did it arrive?", self.server.sent())
        self.assertEqual(self.server.keys[-1], key)
        self.server.answer("MEMBERS tea alice")  # the rejoin's /who
        self.server.answer(f"ACK {key} tea 45")
        mine = [e for e in self.model.logs.lines(TEA) if e.text == "did it arrive?"]
        self.assertEqual([(e.id, e.pending) for e in mine], [(45, "")])

    def test_waits_for_its_room_not_the_connection(self) -> None:
        """Connected again but not yet back in tea: it still waits."""
        key = self.said("patience")
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        self.assertNotIn(key, self.server.keys[:-1])
        self.assertFalse(any("patience" in line for line in self.server.sent()))
        self.server.say("JOINED tea 2 256")
        self.assertIn("/txn K /say tea patience", self.server.sent())

    def test_a_renamed_room_takes_what_is_said_in_it(self) -> None:
        """The room is renamed while the client is in it: a line typed
        there next goes at once, to the room by its new name (the client
        never joined that name), and one waiting while disconnected goes
        there once back."""
        self.server.say("RENAMED tea teahouse bob")
        self.controller.submit("nice name")
        self.assertEqual(self.server.sent(), ["/txn K /say teahouse nice name"])
        self.server.drop()
        self.assertTrue(self.controller.submit("still here?"))
        self.back(room="teahouse")
        self.assertIn("/txn K /say teahouse still here?", self.server.sent())


class RowTests(ControllerTestCase):
    """What stands for a line until it is said."""

    def test_rows_for_what_is_a_line(self) -> None:
        """A message, an action, a paste, a private message have a row;
        an edit or a reaction has none."""
        self.assertEqual(
            pending_row("/say tea hi", "alice"),
            LogEntry(EntryKind.MESSAGE, "hi", user="alice"),
        )
        action = pending_row("/me waves", "alice")
        paste = pending_row(r"/paste one\ntwo \\ three", "alice")
        private = pending_row("/msg bob hi", "alice")
        assert action is not None and paste is not None and private is not None
        self.assertEqual(action.kind, EntryKind.ACTION)
        self.assertEqual(paste.lines, ("one", r"two \ three"))
        self.assertEqual((private.kind, private.target), (EntryKind.PRIVATE, "bob"))
        self.assertIsNone(pending_row("/react 7 👍", "alice"))
        self.assertIsNone(pending_row("/edit 7 better", "alice"))
