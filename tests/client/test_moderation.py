"""Moderation, account and admin events as the user sees them on screen.

Events are fed to the real model in the wire syntax of docs/protocol.md
(*Accounts*, *Moderation*, *Server admins*); the screen is read by
rendering it, as a terminal would show it.
"""

from __future__ import annotations

from chatroom.client.entries import by_names
from chatroom.client.model import EntryKind, Page
from chatroom.client.moderation import describe
from chatroom.wire.lines import parse_event
from tests.client.support import (
    IN_LOBBY,
    IN_TEA,
    SIZE,
    ScreenTestCase,
    feed,
    screen_text,
)
from tests.client.test_view import STAMP, attributes_of

#: Each event a member of tea may see there, and the line the log shows.
ROOM_EVENTS = [
    ("KICK tea carol bob spamming", "-- carol was kicked by bob (spamming)"),
    ("KICK tea carol bob", "-- carol was kicked by bob"),
    ("BAN tea account:carol bob", "-- bob banned the account carol"),
    ("UNBAN tea name:eve bob", "-- bob lifted the ban on the name eve"),
    ("OP tea carol bob", "-- bob made carol an operator"),
    ("DEOP tea carol bob", "-- bob removed carol from the operators"),
    ("SET tea invite-only on bob", "-- bob set invite-only on"),
    ("SET tea key off bob", "-- bob set key off"),
    ("SET tea topic-lock on bob", "-- bob set topic-lock on"),
    ("INVITE tea dave bob", "-- bob invited dave"),
    (
        "BANS tea account:carol name:eve",
        "-- bans in tea: the account carol, the name eve",
    ),
    ("BANS tea", "-- no bans in tea"),
    ("INFO tea invite-only on", "-- tea invite-only: on"),
    ("INFO tea operators carol dave", "-- tea operators: carol dave"),
    # a room's call: the terminal is told, and where to join it
    (
        "CALL tea c0ffee started bob -",
        "-- bob started a call: join it from the web page",
    ),
    ("CALL tea c0ffee joined carol", "-- carol joined the call"),
    ("CALL tea c0ffee left bob", "-- bob left the call"),
    ("CALL tea c0ffee ended carol 754", "-- the call ended after 754 s"),
    ("CALL_MEMBERS tea c0ffee bob carol", "-- in the call in tea: bob, carol"),
    ("CALL_MEMBERS tea -", "-- no call is on in tea"),
]

#: Replies and news that are not about one room: shown on the page in view.
SERVER_EVENTS = [
    ("REGISTERED alice", "-- alice is now your account and you are signed in to it"),
    ("PASSWORD_CHANGED alice", "-- the password of alice was changed"),
    (
        "UNREGISTERED alice",
        "-- alice is no longer registered; you keep it as a plain name",
    ),
    (
        "KILLED mallory alice flooding",
        "-- mallory was disconnected from the server by alice (flooding)",
    ),
    (
        "GBAN account:mallory alice",
        "-- alice banned the account mallory from the server",
    ),
    (
        "GUNBAN account:mallory alice",
        "-- alice lifted the server ban on the account mallory",
    ),
    (
        "GBANS account:mallory name:eve",
        "-- server bans: the account mallory, the name eve",
    ),
    ("GBANS", "-- no server bans"),
    (
        "GBAN ip:203.0.113.0/24 alice 2026-11-26T19:30:00.000Z",
        "-- alice banned the network 203.0.113.0/24 from the server until"
        " 2026-11-26T19:30:00.000Z",
    ),
    (
        "GUNBAN ip:127.0.0.2 alice",
        "-- alice lifted the server ban on the address 127.0.0.2",
    ),
    (
        "GBANS ip:2001:db8::/32@2026-11-26T19:30:00.000Z account:mallory",
        "-- server bans: the network 2001:db8::/32 until 2026-11-26T19:30:00.000Z,"
        " the account mallory",
    ),
    ("LOCKDOWN off -", "-- lockdown off: everyone may come in"),
    (
        "LOCKDOWN accounts root",
        "-- lockdown accounts: only accounts sign in, and none is registered"
        " (set by root)",
    ),
    ("LOCKDOWN closed root", "-- lockdown closed: only admins sign in (set by root)"),
    ("IGNORED mallory", "-- you ignore mallory: nothing mallory says reaches you"),
    ("UNIGNORED mallory", "-- you hear mallory again"),
    ("IGNORES mallory eve", "-- you ignore mallory, eve"),
    ("IGNORES", "-- you ignore nobody"),
    (
        "REHASHED applied: rate; needs a restart: port",
        "-- configuration reloaded: applied: rate; needs a restart: port",
    ),
    ("MOTD Tea at five.", "-- Tea at five."),
    ("REPORTED 42", "-- you reported message #42: its moderators are told"),
    (
        "WEBHOOK ci https://chat.example.org/hooks/Vq3",
        "-- webhook ci: https://chat.example.org/hooks/Vq3 (keep it secret: whoever"
        " has it posts here)",
    ),
    ("WEBHOOKS_END tea 1", "-- tea has 1 webhook(s)"),
    ("WEBHOOK_REMOVED ci", "-- webhook ci removed: its address posts no more"),
    (
        "APP_PASSWORD irssi k7qm-2wxh-3cnp-tav9-rjse",
        "-- app password for irssi: k7qm-2wxh-3cnp-tav9-rjse (shown this once: for"
        " /login or SASL PLAIN)",
    ),
    (
        "APP_PASSWORD_MADE irssi 2026-11-26T17:30:00.000Z",
        "-- app password irssi, made 2026-11-26T17:30:00.000Z",
    ),
    ("APP_PASSWORDS_END 1", "-- 1 app password(s)"),
    (
        "APP_PASSWORD_REMOVED irssi",
        "-- app password irssi removed: it signs in no more",
    ),
    (
        "BOT deployer 6465706c6f796572_Xq3",
        "-- bot deployer: its token is 6465706c6f796572_Xq3 (shown this once: its"
        " password)",
    ),
    (
        "BOT_MADE deployer 2026-11-29T03:00:00.000Z",
        "-- bot deployer, made 2026-11-29T03:00:00.000Z",
    ),
    ("BOTS_END 1", "-- 1 bot(s)"),
    ("BOT_REMOVED deployer", "-- bot deployer removed: its token signs in no more"),
    ("MAIL off", "-- mail for what you miss while away: off"),
]


class RoomEventTests(ScreenTestCase):
    """What the members of a room see of its moderation."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA, "JOIN tea carol")

    def test_each_event_is_a_readable_line(self) -> None:
        """Every moderation event shows as one sentence in the room's log,
        styled apart from messages; none rings the bell."""
        for line, shown in ROOM_EVENTS:
            with self.subTest(line=line):
                feed(self.model, line)
                self.assertIn(shown, self.text())
                self.assertEqual(
                    attributes_of(self.screen, shown.removeprefix("-- ")),
                    {"moderation"},
                )
        self.assertEqual(self.rings, 0)

    def test_server_replies_are_readable_lines(self) -> None:
        """Account confirmations and admin replies show in the log on screen."""
        for line, shown in SERVER_EVENTS:
            with self.subTest(line=line):
                feed(self.model, line)
                self.assertIn(shown, self.text((132, 24)))

    def test_a_call_names_the_page_to_join_it_from(self) -> None:
        line = describe(parse_event("CALL tea c0 started bob http://chat.example/"))
        assert line is not None
        self.assertEqual(line.room, "tea")
        self.assertEqual(
            by_names(line.words),
            "bob started a call: join it from the web page, http://chat.example/",
        )

    def test_info_end_adds_nothing(self) -> None:
        """``INFO_END`` only closes an ``/info`` reply: no line of its own."""
        before = len(self.model.log)
        feed(self.model, "INFO_END tea")
        self.assertEqual(len(self.model.log), before)

    def test_kicked_member_leaves_the_member_list(self) -> None:
        """A kicked member is no longer listed beside the log."""
        self.assertIn(" carol", self.text())
        feed(self.model, "KICK tea carol bob spamming")
        self.assertEqual(self.model.members, ["bob", "alice"])
        self.assertIn("Members (2)", self.text())

    def test_event_for_another_room_stays_in_its_log(self) -> None:
        """A late line about a room the user left goes to that room's log."""
        feed(self.model, "KICK coffee carol bob")
        self.assertNotIn("carol was kicked", self.text())
        coffee = self.model.logs.by_key["room:coffee"]
        self.assertEqual([entry.text for entry in coffee], ["carol was kicked by bob"])


class KickedTests(ScreenTestCase):
    """The kicked user: back in the lobby, told clearly, and it stays in view."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA)

    def kicked(self) -> None:
        feed(
            self.model,
            "KICKED tea bob spamming",
            "ROOMS 2",
            "ROOM general 3 256",
            "ROOM tea 1 256 Tea and biscuits",
        )

    def test_kicked_notice_on_the_lobby_page(self) -> None:
        """KICKED puts the user in the lobby with a notice above the room list
        that says who did it and why, and the bell rings."""
        self.kicked()
        self.assertEqual(self.model.page, Page.LOBBY)
        rows = screen_text(self.screen)
        self.assertIn("You were kicked from tea by bob: spamming", rows[2])
        self.assertEqual(
            attributes_of(self.screen, "You were kicked from tea"), {"alert"}
        )
        self.assertEqual(self.rings, 1)

    def test_the_room_log_keeps_the_kick(self) -> None:
        """Back in tea, its log says the user was kicked, by whom and why,
        where it happened (the lobby's notice is gone by then)."""
        self.kicked()
        feed(self.model, "JOINED tea 2 256", "MEMBERS tea bob alice")
        text = self.text()
        self.assertIn("*** you were kicked by bob: spamming", text)
        self.assertLess(
            text.index("you were kicked by bob"), text.rindex("you joined tea")
        )

    def test_notice_outlasts_the_lobby_log(self) -> None:
        """Twenty later notices push the kick out of the lobby's log, but the
        notice above the room list is still there."""
        self.kicked()
        for index in range(20):
            self.model.note(f"later notice {index}")
        rows = screen_text(self.screen)
        self.assertIn("later notice 19", "\n".join(rows))
        self.assertEqual(
            sum("You were kicked from tea" in row for row in rows), 1, rows
        )
        self.assertIn("You were kicked from tea", rows[2])

    def test_notice_goes_on_entering_a_room(self) -> None:
        """Entering a room ends the notice: back in the lobby the room list
        is right under its title again (the kick stays in the lobby's log)."""
        self.kicked()
        feed(self.model, "JOINED general 4 256", "LEFT general", "ROOMS 0")
        rows = screen_text(self.screen)
        self.assertIn("no rooms yet", rows[2])
        self.assertEqual(sum("You were kicked" in row for row in rows), 1)

    def test_dismissed(self) -> None:
        """Once dismissed (Esc, through the controller) the lobby is as before."""
        self.kicked()
        self.model.dismiss_alert()
        rows = screen_text(self.screen)
        self.assertNotIn("kicked", rows[2])
        self.assertRegex(rows[2], r"general +3/256")

    def test_esc_asks_to_dismiss(self) -> None:
        """Esc is the key that asks for it."""
        self.kicked()
        self.screen.keypress(SIZE, "esc")
        self.assertEqual(self.actions.cancels, 1)


class InvitedTests(ScreenTestCase):
    """An invitation reaches the user wherever they are, like a mention."""

    def test_invited_in_the_lobby(self) -> None:
        """In the lobby it stands above the room list, says how to accept,
        and rings the bell."""
        feed(self.model, *IN_LOBBY, "INVITED tea bob")
        rows = screen_text(self.screen)
        self.assertIn("bob invited you to tea: /join tea to accept", rows[2])
        self.assertEqual(self.rings, 1)

    def test_invited_in_another_room(self) -> None:
        """In another room it is a highlighted line in that room's log, and
        counts as a mention while the log is scrolled up."""
        feed(self.model, *IN_TEA)
        for index in range(40):
            feed(self.model, f"MSG tea bob {STAMP} line {index:02d}")
        screen_text(self.screen)
        self.screen.keypress(SIZE, "page up")
        screen_text(self.screen)
        feed(self.model, "INVITED coffee carol")
        self.assertEqual(self.rings, 1)
        self.assertIn("1 mention ↓", screen_text(self.screen)[-2])
        self.screen.keypress(SIZE, "ctrl end")
        self.assertIn(
            "carol invited you to coffee: /join coffee to accept", self.text()
        )
        self.assertEqual(
            attributes_of(self.screen, "carol invited you to coffee"), {"alert"}
        )

    def test_announcement_on_any_page(self) -> None:
        """An admin's announcement is prominent in a room and in the lobby."""
        feed(self.model, *IN_TEA, "ANNOUNCE root restarting at 10:00")
        self.assertIn("announcement from root: restarting at 10:00", self.text())
        self.assertEqual(self.model.log[-1].kind, EntryKind.ALERT)
        feed(self.model, "LEFT tea", "ROOMS 0")
        self.assertIn("announcement from root: restarting at 10:00", self.text())
        self.assertEqual(self.rings, 1)


class RefusedJoinTests(ScreenTestCase):
    """A /join refused by a ban, an invitation list or a key says so."""

    def test_refusals_shown_in_the_lobby(self) -> None:
        """Each refusal is an error line in the lobby, under the room list."""
        feed(self.model, *IN_LOBBY)
        for line, shown in (
            ("ERR BANNED you are banned from tea", "! you are banned from tea"),
            ("ERR INVITE_ONLY tea is invite-only", "! tea is invite-only"),
            ("ERR BAD_KEY tea has a key: /join tea KEY", "! tea has a key"),
        ):
            with self.subTest(line=line):
                feed(self.model, line)
                self.assertIn(shown, self.text())
                self.assertIn("error", attributes_of(self.screen, shown))
