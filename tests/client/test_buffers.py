"""Buffers: a log per room and per private conversation, unread counts and
mention marks, read markers, and switching between them (issue 20).

The model is fed server lines; the controller runs on the fake server of
``test_controller`` and a ``task.Clock``; the screen is rendered.
"""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.controller import READ_DELAY_SECONDS
from chatroom.client.model import Page, SessionModel, log_key
from tests.client.support import IN_LOBBY, IN_TEA, ScreenTestCase, feed, screen_text
from tests.client.test_controller import ControllerTestCase

STAMP = "2026-11-21T18:04:05.123Z"

IN_THREE = (
    *IN_TEA,
    "JOINED help 1 256",
    "MEMBERS help alice erin",
    "READ help *",
    "JOINED cafe 1 256",
    "MEMBERS cafe alice dave",
    "READ cafe *",
)


def texts(model: SessionModel, room: str) -> list[str]:
    """The text of every line in ``room``'s log."""
    return [entry.text for entry in model.logs.by_key[log_key(Page.ROOM, room)]]


def counts(model: SessionModel) -> dict[str, tuple[int, int]]:
    """(unread, mentions) of every buffer, by its label."""
    return {b.label: (b.unread, b.mentions) for b in model.buffers.by_key.values()}


class BufferModelTests(unittest.TestCase):
    """What the model keeps per room and conversation."""

    def setUp(self) -> None:
        self.model = SessionModel()
        feed(self.model, *IN_THREE)

    def test_joining_adds_a_buffer_and_shows_it(self) -> None:
        """A join leaves no room: three buffers in the order joined, the last
        one on screen with its own members."""
        self.assertEqual(
            [b.label for b in self.model.buffers.by_key.values()],
            ["#tea", "#help", "#cafe"],
        )
        self.assertEqual(
            (self.model.page, self.model.room, self.model.members),
            (Page.ROOM, "cafe", ["alice", "dave"]),
        )

    def test_each_room_keeps_its_own_lines(self) -> None:
        """Messages go to their room's log, whichever is on screen."""
        feed(
            self.model,
            f"@5 MSG tea bob {STAMP} scones?",
            f"@6 MSG help erin {STAMP} how do I /reply?",
        )
        self.assertIn("scones?", texts(self.model, "tea"))
        self.assertNotIn("scones?", texts(self.model, "help"))
        self.assertIn("how do I /reply?", texts(self.model, "help"))
        self.assertNotIn("scones?", [entry.text for entry in self.model.log])

    def test_unread_counts_and_mentions(self) -> None:
        """Lines in buffers not on screen are counted; a whole-word mention
        of the user's name, in any case, marks the buffer."""
        feed(
            self.model,
            f"@5 MSG tea bob {STAMP} scones?",
            f"@6 MSG tea bob {STAMP} ALICE, jam?",
            f"@7 MSG help erin {STAMP} alicex is not you",
            f"@8 MSG cafe dave {STAMP} on screen, not counted",
        )
        self.assertEqual(
            counts(self.model), {"#tea": (2, 1), "#help": (1, 0), "#cafe": (0, 0)}
        )
        self.model.focus_number(1)
        self.assertEqual(counts(self.model)["#tea"], (0, 0))
        self.assertEqual(self.model.buffers.to_mark_read(), [("tea", 6), ("cafe", 8)])

    def test_scrolled_up_lines_are_unread(self) -> None:
        """A line that arrives while the log on screen is scrolled up counts
        until the user is back at the bottom."""
        self.model.set_following(False)
        feed(self.model, f"@9 MSG cafe dave {STAMP} below the fold")
        self.assertEqual(counts(self.model)["#cafe"], (1, 0))
        self.assertEqual(self.model.buffers.to_mark_read(), [])
        self.model.set_following(True)
        self.assertEqual(counts(self.model)["#cafe"], (0, 0))
        self.assertEqual(self.model.buffers.to_mark_read(), [("cafe", 9)])

    def test_read_from_another_device_clears_the_count(self) -> None:
        """READ with the newest id clears a count; an older one leaves what
        came after it."""
        feed(
            self.model,
            f"@5 MSG tea bob {STAMP} one",
            f"@6 MSG tea bob {STAMP} two alice",
            f"@7 MSG tea bob {STAMP} three",
        )
        feed(self.model, "READ tea 5")
        self.assertEqual(counts(self.model)["#tea"], (2, 1))
        feed(self.model, "READ tea 7")
        self.assertEqual(counts(self.model)["#tea"], (0, 0))

    def test_catch_up_history_after_the_marker_is_unread(self) -> None:
        """A join's replay after the account's marker counts, once the
        READ that follows it says where the marker is (a room joined while
        another is on screen: a rejoin)."""
        self.model.expect_rejoin(["news"])
        feed(
            self.model,
            "JOINED news 1 256",
            f"@1 HISTORY news bob {STAMP} read before",
            f"@2 HISTORY news bob {STAMP} missed",
            f"@3 HISTORY news bob {STAMP} missed too, alice",
            "READ news 1",
        )
        self.assertEqual(self.model.room, "cafe")
        self.assertEqual(counts(self.model)["#news"], (2, 1))

    def test_unread_reply_sets_the_counts(self) -> None:
        """``UNREAD room count mentions`` (the answer to /unread) is shown."""
        feed(self.model, "UNREAD tea 12 1", "UNREAD help 3 0", "UNREAD_END")
        self.assertEqual(counts(self.model)["#tea"], (12, 1))
        self.assertEqual(counts(self.model)["#help"], (3, 0))

    def test_leaving_shows_the_room_joined_last(self) -> None:
        """LEFT of the room on screen shows the room joined last (the
        server's FOCUS agrees); leaving the last room is the lobby."""
        feed(self.model, "LEFT cafe", "FOCUS help")
        self.assertEqual(self.model.room, "help")
        self.assertEqual(list(counts(self.model)), ["#tea", "#help"])
        feed(self.model, "LEFT help", "FOCUS tea", "LEFT tea", "ROOMS 0")
        self.assertEqual((self.model.page, self.model.buffers.by_key), (Page.LOBBY, {}))

    def test_private_messages_have_a_buffer(self) -> None:
        """A private message opens its conversation, counted while elsewhere;
        the reply the user sends goes there too."""
        feed(self.model, f"PRIVMSG carol alice {STAMP} psst")
        self.assertEqual(counts(self.model)["carol"], (1, 1))
        self.assertNotIn("psst", [entry.text for entry in self.model.log])
        self.model.focus_number(4)
        self.assertEqual(self.model.members, ["alice", "carol"])
        feed(self.model, f"PRIVMSG alice carol {STAMP} yes?")
        self.assertEqual([e.text for e in self.model.log], ["psst", "yes?"])

    def test_rename_once_per_shared_room(self) -> None:
        """``multi`` sends NICK once per room: each shared room logs it once."""
        feed(self.model, "JOIN tea erin", "NICK erin erin2", "NICK erin erin2")
        self.assertEqual(texts(self.model, "tea").count("erin2"), 1)
        self.assertEqual(texts(self.model, "help").count("erin2"), 1)
        self.assertNotIn("erin2", texts(self.model, "cafe"))


class BufferControllerTests(ControllerTestCase):
    """The controller: switching, typing into buffers, /read, rejoining."""

    def into_three_rooms(self) -> None:
        self.into_room()
        for room in ("help", "cafe"):
            self.controller.submit(f"/join {room}")
            self.server.answer(f"JOINED {room} 1 256", f"MEMBERS {room} alice")
        self.server.answer("MEMBERS cafe alice")  # the client's own /who of tea
        self.server.answer("MEMBERS help alice")
        self.server.answer("MEMBERS cafe alice")
        self.clock.advance(30)  # the send queue's pace has its burst back
        self.server.sent()

    def test_lines_go_to_the_room_on_screen(self) -> None:
        """Alt-1 and Alt-Left show another room; the next plain line, /me
        and room command name it (``/in ROOM``), whatever the server's
        current room is; switching sends nothing."""
        self.into_three_rooms()
        self.controller.switch_to(1)
        self.assertEqual(self.model.room, "tea")
        self.controller.submit("hello tea")
        self.controller.submit("/me pours")
        self.controller.submit("/info")
        self.assertEqual(
            self.server.sent(),
            ["/txn K /say tea hello tea", "/in tea /txn K /me pours", "/in tea /info"],
        )
        self.controller.switch_step(-1)  # wraps round to the last
        self.assertEqual(self.model.room, "cafe")
        self.controller.switch_to(3)
        self.controller.submit("//slash in cafe")
        self.assertEqual(self.server.sent(), ["/txn K /say cafe /slash in cafe"])

    def test_commands_about_no_room_go_as_typed(self) -> None:
        """``/msg``, ``/nick``, ``/join`` of a new room, ``/set previews``
        and ``/history @USER`` name no room: they go as typed."""
        self.into_three_rooms()
        for line in ("/msg bob hi", "/nick alicia", "/join news", "/set previews off"):
            self.controller.submit(line)
        self.assertEqual(
            self.server.sent(),
            ["/txn K /msg bob hi", "/nick alicia", "/join news", "/set previews off"],
        )

    def test_the_answer_goes_where_it_was_typed(self) -> None:
        """An answer that names no room (an error, a webhook) is drawn in
        the buffer where its line was typed, though another is shown by
        the time it comes."""
        self.into_three_rooms()
        self.controller.switch_to(1)
        self.controller.submit("/webhook list")
        self.controller.switch_to(2)
        self.server.answer("ERR NOT_ALLOWED only the owner of tea can list webhooks")
        self.assertIn("only the owner of tea", texts(self.model, "tea")[-1])
        self.assertNotIn("only the owner", " ".join(texts(self.model, "help")))

    def test_focus_typed_switches_locally(self) -> None:
        """``/focus ROOM`` (and ``/join ROOM``) of a room the user is in
        shows its buffer; ``/focus`` of any other goes to the server, which
        says why not."""
        self.into_three_rooms()
        self.controller.submit("/focus Tea")
        self.assertEqual(self.model.room, "tea")
        self.controller.submit("/focus nowhere")
        self.assertEqual(self.server.sent(), ["/focus nowhere"])
        self.controller.submit("/join help")  # already in: shown, not joined
        self.assertEqual(self.model.room, "help")
        self.assertEqual(self.server.sent(), [])

    def test_leave_and_part_leave_the_room_on_screen(self) -> None:
        """``/part`` leaves the room on screen, whatever the server's
        current room is."""
        self.into_three_rooms()
        self.server.say("FOCUS help", "JOIN cafe bob")
        self.assertEqual(self.server.sent(), ["/profile bob"])  # for his name
        self.server.answer("PROFILE_END bob 0")
        self.controller.submit("/part")
        self.assertEqual(self.server.sent(), ["/leave cafe"])

    def test_the_room_on_screen_is_where_lines_go_after_a_leave(self) -> None:
        """Leaving the room on screen shows the room joined last; the
        server's FOCUS naming another changes nothing: typed lines name
        the room on screen."""
        self.into_three_rooms()
        self.server.say("JOIN tea bob")
        self.assertEqual(self.server.sent(), ["/profile bob"])  # for his name
        self.server.answer("PROFILE_END bob 0")
        self.controller.switch_to(1)
        self.controller.submit("/leave")
        self.server.answer("LEFT tea", "FOCUS help")
        self.assertEqual(self.model.room, "cafe")
        self.assertEqual(self.server.sent(), ["/leave tea"])
        self.controller.submit("still here")
        self.assertEqual(self.server.sent(), ["/txn K /say cafe still here"])

    def test_the_last_member_of_a_room_not_kept_is_asked_first(self) -> None:
        """Leaving a room as its last member: its settings are asked (its
        answer not shown); not kept, the client says it will go, and a
        second ``/leave`` goes. A kept one is left at once."""
        self.into_three_rooms()
        self.controller.submit("/leave")
        self.assertEqual(self.server.sent(), ["/in cafe /info"])
        self.server.answer(
            "INFO cafe owner alice", "INFO cafe keep off", "INFO_END cafe"
        )
        self.assertNotIn("owner", " ".join(texts(self.model, "cafe")))
        self.assertIn("it goes when you leave", texts(self.model, "cafe")[-1])
        self.assertEqual(self.server.sent(), [])
        self.controller.submit("/leave")
        self.assertEqual(self.server.sent(), ["/leave cafe"])
        self.server.say("SET help keep on alice")
        self.controller.submit("/leave help")
        self.assertEqual(self.server.sent(), ["/leave help"])

    def test_deleting_a_room_asks_first(self) -> None:
        """``/delete ROOM`` says what it does first; typed again, it goes;
        any other line in between asks again."""
        self.into_three_rooms()
        self.controller.submit("/delete tea")
        self.assertIn("/delete tea again", self.model.log[-1].text)
        self.controller.submit("hm")
        self.controller.submit("/delete tea")
        self.assertEqual(self.server.sent(), ["/txn K /say cafe hm"])
        self.controller.submit("/delete tea")
        self.assertEqual(self.server.sent(), ["/delete tea"])

    def test_a_room_the_server_put_us_back_in_is_kept(self) -> None:
        """``ALREADY_IN_ROOM`` answering a rejoin means the server rejoined
        the account itself: the buffer stays, nothing is retried."""
        self.into_room()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("WELCOME alice")
        self.server.answer("LOBBY watching")
        self.server.answer("ERR ALREADY_IN_ROOM you are already in tea")
        self.assertEqual(list(counts(self.model)), ["#tea"])
        self.assertFalse(self.controller.reconnecting)
        self.assertEqual(self.server.sent(), ["alice", "/watch on", "/join tea"])

    def test_lines_in_a_conversation_are_private_messages(self) -> None:
        """In a conversation's buffer a plain line (``//`` for one starting
        with ``/``) is ``/msg USER``, a room's command is refused there, and
        ``/leave`` closes the buffer, sending nothing."""
        self.into_three_rooms()
        self.controller.submit("/query carol hi there")
        self.assertEqual(self.model.buffer and self.model.buffer.label, "carol")
        self.controller.submit("how are you")
        self.assertEqual(
            self.server.sent(),
            ["/txn K /msg carol hi there", "/txn K /msg carol how are you"],
        )
        self.controller.submit("//slash")
        self.controller.submit("/me waves")
        self.assertIn("/me is for rooms", self.model.log[-1].text)
        self.assertEqual(self.server.sent(), ["/txn K /msg carol /slash"])
        self.controller.submit("/leave")
        self.assertEqual(self.server.sent(), [])
        self.assertEqual(self.model.room, "cafe")

    def test_read_sent_once_the_newest_line_was_in_view(self) -> None:
        """``/read ROOM ID`` goes a moment after the newest line was seen,
        one line for a burst; nothing while the log is scrolled up."""
        self.into_three_rooms()
        self.model.set_following(False)
        self.server.say(f"@4 MSG cafe bob {STAMP} one")
        self.clock.advance(READ_DELAY_SECONDS)
        self.assertEqual(self.server.sent(), ["/profile bob"])  # bob's first line
        self.model.set_following(True)
        self.controller.seen()
        self.server.say(f"@5 MSG cafe bob {STAMP} two", f"@6 MSG tea bob {STAMP} x")
        self.clock.advance(READ_DELAY_SECONDS)
        self.assertEqual(self.server.sent(), ["/read cafe 5"])
        self.assertEqual(counts(self.model)["#tea"], (1, 0))

    def test_every_room_rejoined_since_its_newest_line(self) -> None:
        """After a reconnect each room is rejoined ``since`` its newest id,
        the one on screen last; what was missed lands in each room's
        buffer, counted where it is not on screen."""
        self.into_three_rooms()
        self.server.say(f"@4 MSG tea bob {STAMP} before", f"@9 MSG help erin {STAMP} x")
        self.controller.switch_to(1)
        self.server.sent()
        self.server.drop()
        self.clock.advance(1)
        self.server.say("HELLO chatroom 1 hi", "WELCOME alice")
        self.assertEqual(
            self.server.sent(),
            [
                "alice",
                "/watch on",
                "/join help since 9",
                "/join cafe",
                "/join tea since 4",
            ],
        )
        self.server.say(
            "JOINED help 1 256",
            f"@10 HISTORY help erin {STAMP} while you were away",
            "READ help 9",
            "JOINED cafe 1 256",
            "READ cafe *",
            "JOINED tea 1 256",
            f"@5 HISTORY tea bob {STAMP} missed in tea",
            "READ tea 4",
        )
        self.assertEqual(self.model.room, "tea")
        # Each room's /who names that room; a catch-up from a marker that
        # brought fewer than 20 messages is filled in with those before.
        self.clock.advance(10)
        self.assertEqual(
            self.server.sent(),
            [
                *("/in help /who", "/profile erin", "/in help /history 20 before 9"),
                *("/in cafe /who", "/in tea /who", "/profile bob"),
                "/in tea /history 20 before 4",
                "/read tea 5",  # tea's catch-up, on screen, is read
            ],
        )
        self.assertIn("while you were away", texts(self.model, "help"))
        self.assertIn("missed in tea", texts(self.model, "tea"))
        self.assertNotIn("missed in tea", texts(self.model, "help"))
        self.assertEqual(counts(self.model)["#help"], (1, 0))
        self.assertFalse(self.controller.reconnecting)

    def test_unread_asked_on_signing_in_to_an_account(self) -> None:
        """An account's counts outlive its connections: ``/unread`` goes
        on signing in with a password, not before."""
        self.server.say("HELLO chatroom 1 hi")
        self.server.answer("ERR NAME_REGISTERED alice is registered")
        self.assertTrue(self.controller.sign_in("sugar-lumps"))
        self.assertEqual(self.server.sent(), ["alice", "/login alice sugar-lumps"])
        self.assertEqual(self.server.unreads, 0)
        self.server.answer("WELCOME alice")
        self.server.sent()
        self.assertEqual(self.server.unreads, 1)


class BufferScreenTests(ScreenTestCase):
    """The buffer list above the status bar, and the keys that switch."""

    def test_list_shows_counts_and_mentions_at_every_size(self) -> None:
        """At 60x15, 100x30 and 200x50 the list shows each buffer's number,
        unread count and mention mark, just above the status bar."""
        feed(
            self.model,
            *IN_THREE,
            f"@5 MSG tea bob {STAMP} alice?",
            f"@6 MSG help erin {STAMP} hm",
        )
        for size in ((60, 15), (100, 30), (200, 50)):
            rows = screen_text(self.screen, size)
            self.assertEqual(rows[-3].split(), ["1:#tea(1!)", "2:#help(1)", "3:#cafe"])

    def test_no_list_in_the_lobby_without_buffers(self) -> None:
        """The lobby with no room or conversation shows no list."""
        feed(self.model, *IN_LOBBY)
        self.assertNotIn("1:", screen_text(self.screen)[-3])

    def test_private_message_rings_once(self) -> None:
        """A private message rings the bell once, in the lobby (where its
        log shows it) as in a room (where its buffer counts it)."""
        feed(self.model, *IN_LOBBY, f"PRIVMSG carol alice {STAMP} psst")
        self.assertEqual(self.rings, 1)
        self.assertIn("psst", self.text())
        feed(self.model, *IN_THREE[len(IN_LOBBY) :], f"PRIVMSG carol alice {STAMP} hi")
        self.assertEqual(self.rings, 2)
        self.assertIn("1:carol(1!)", self.text())  # the first was seen

    def test_alt_keys_switch(self) -> None:
        """Alt-1..9 and Alt-Left/Right ask the controller to switch."""
        feed(self.model, *IN_THREE)
        for key in ("meta 2", "meta left", "meta right", "meta 9"):
            self.screen.keypress((80, 24), key)
        self.assertEqual((self.actions.switches, self.actions.steps), ([2, 9], [-1, 1]))

    def test_switching_shows_each_rooms_own_lines(self) -> None:
        """The log on screen is the focused buffer's."""
        feed(self.model, *IN_THREE, f"@5 MSG tea bob {STAMP} only in tea")
        self.assertNotIn("only in tea", self.text())
        self.model.focus_number(1)
        self.assertIn("only in tea", self.text())
        self.assertIn("#tea", screen_text(self.screen)[0])
