"""The session model: what each server event does to the session."""

from __future__ import annotations

from twisted.trial import unittest

from chatroom.client.entries import mentions
from chatroom.client.model import (
    Change,
    EntryKind,
    LogEntry,
    Page,
    RoomListing,
    SessionModel,
)
from chatroom.wire.lines import parse_time
from chatroom.wire.waiting import not_yet_words
from tests.client.support import IN_LOBBY, IN_TEA, feed


class PageTests(unittest.TestCase):
    """Pages follow the server's states."""

    def test_username_then_lobby_then_room(self) -> None:
        """HELLO asks for a name, WELCOME is the lobby, JOINED a room, LEFT back."""
        model = SessionModel()
        self.assertEqual(model.page, Page.CONNECTING)
        feed(model, "HELLO chatroom 1 Welcome!")
        self.assertEqual((model.page, model.greeting), (Page.USERNAME, "Welcome!"))
        feed(model, "WELCOME alice")
        self.assertEqual((model.page, model.own_name), (Page.LOBBY, "alice"))
        feed(model, "JOINED tea 1 256", "MEMBERS tea alice")
        self.assertEqual(
            (model.page, model.room, model.members), (Page.ROOM, "tea", ["alice"])
        )
        feed(model, "LEFT tea", "ROOMS 1", "ROOM general 0 256")
        self.assertEqual(
            (model.page, model.room, model.members), (Page.LOBBY, None, [])
        )

    def test_taken_name_asks_again(self) -> None:
        """NAME_TAKEN on the username page keeps the page and shows the reason."""
        model = SessionModel()
        feed(model, "HELLO chatroom 1 hi", "ERR NAME_TAKEN alice is taken")
        self.assertEqual(model.page, Page.USERNAME)
        self.assertEqual(model.name_problem, "alice is taken")
        feed(model, "WELCOME alicia")
        self.assertEqual(model.name_problem, "")

    def test_deleted_room_returns_to_lobby(self) -> None:
        """DELETED puts the user back in the lobby and says who did it."""
        model = SessionModel()
        feed(model, *IN_TEA, "DELETED tea bob")
        self.assertEqual(model.page, Page.LOBBY)
        self.assertIn("tea was deleted by bob", model.log[-1].text)

    def test_a_renamed_room_keeps_its_buffer(self) -> None:
        """RENAMED: the same buffer, log and members under the new name, on
        screen as before, with a line saying who renamed it and why; the
        room's next lines go there."""
        model = SessionModel()
        feed(model, *IN_TEA, "MSG tea bob 2026-11-26T10:00:00.000Z hello")
        feed(model, "RENAMED tea chai bob more spice")
        self.assertEqual((model.page, model.room), (Page.ROOM, "chai"))
        self.assertEqual(model.buffers.rooms_in(), ["chai"])
        buffer = model.buffers.room_buffer("chai")
        self.assertEqual(buffer.members if buffer else None, ["bob", "alice"])
        self.assertEqual(
            [entry.text for entry in model.log[-2:]],
            ["hello", "bob renamed tea to chai (more spice)"],
        )
        feed(model, "MSG chai bob 2026-11-26T10:00:01.000Z still here")
        self.assertEqual(model.log[-1].text, "still here")

    def test_notice_is_shown_in_the_room(self) -> None:
        """A cluster NOTICE (messages may be missed) appears in the room's log."""
        model = SessionModel()
        feed(model, *IN_TEA, "NOTICE tea messages may have been missed")
        self.assertEqual(model.page, Page.ROOM)
        self.assertEqual(model.log[-1].kind, EntryKind.NOTICE)
        self.assertEqual(model.log[-1].text, "tea: messages may have been missed")

    def test_a_newcomers_wait_in_words(self) -> None:
        """``ERR NOT_YET 600`` is an error entry saying why and how long
        (the wire's words), not a bare number."""
        model = SessionModel()
        feed(model, *IN_TEA, "ERR NOT_YET 600")
        self.assertEqual(
            (model.log[-1].kind, model.log[-1].text),
            (EntryKind.ERROR, not_yet_words("600")),
        )
        self.assertTrue(model.log[-1].text.endswith(": 10 minutes to go."))


class LobbyTests(unittest.TestCase):
    """The room list: full lists and pushed updates."""

    def test_full_list_replaces(self) -> None:
        """ROOMS starts a fresh list; rooms not in it are gone."""
        model = SessionModel()
        feed(model, *IN_LOBBY, "ROOMS 1", "ROOM tea 2 256 Tea time")
        self.assertEqual(model.rooms, {"tea": RoomListing("tea", 2, 256, "Tea time")})

    def test_the_lobbys_list_says_how_many_more(self) -> None:
        """``ROOMS n more``: the model keeps how many rooms the list left
        out; a full list (``/list``'s ``ROOMS n``) leaves none."""
        model = SessionModel()
        feed(model, *IN_LOBBY[:2], "ROOMS 1 40", "ROOM tea 2 256")
        self.assertEqual((list(model.rooms), model.rooms_more), (["tea"], 40))
        feed(model, "ROOMS 2", "ROOM tea 2 256", "ROOM go 1 256")
        self.assertEqual((list(model.rooms), model.rooms_more), (["tea", "go"], 0))

    def test_pushed_updates(self) -> None:
        """Pushed ROOM lines add or change a room; ROOM_GONE removes one."""
        model = SessionModel()
        feed(model, *IN_LOBBY, "ROOM coffee 1 256", "ROOM tea 5 256 New topic")
        self.assertEqual(model.rooms["coffee"].members, 1)
        self.assertEqual(model.rooms["tea"], RoomListing("tea", 5, 256, "New topic"))
        feed(model, "ROOM_GONE coffee")
        self.assertEqual(sorted(model.rooms), ["general", "tea"])


class RoomTests(unittest.TestCase):
    """Members, owner, topic and the log inside a room."""

    def setUp(self) -> None:
        self.model = SessionModel()
        feed(self.model, *IN_TEA)

    def test_members_follow_join_part_nick(self) -> None:
        """JOIN adds, PART removes, NICK renames, in order of arrival."""
        feed(self.model, "JOIN tea carol", "NICK bob robert", "PART tea carol left")
        self.assertEqual(self.model.members, ["robert", "alice"])

    def test_own_rename(self) -> None:
        """NICK of one's own name changes the name the client knows itself by."""
        feed(self.model, "NICK alice alicia")
        self.assertEqual(self.model.own_name, "alicia")
        self.assertEqual(self.model.members, ["bob", "alicia"])

    def test_topic_and_owner(self) -> None:
        """TOPIC sets the header's topic; OWNER records the owner."""
        feed(self.model, "OWNER tea bob", "TOPIC tea bob Scones")
        self.assertEqual((self.model.topic, self.model.owner), ("Scones", "bob"))

    def test_owner_passing_announced(self) -> None:
        """Learning the owner is quiet; ownership passing on is said in the log."""
        feed(self.model, "OWNER tea bob")
        self.assertNotIn("owns", self.model.log[-1].text)
        feed(self.model, "PART tea bob left", "OWNER tea alice")
        self.assertEqual(self.model.log[-1].text, "alice now owns tea")
        self.assertEqual(self.model.owner, "alice")

    def test_message_entry(self) -> None:
        """MSG becomes a message entry with its UTC time parsed."""
        feed(self.model, "MSG tea bob 2026-11-21T18:04:05.123Z hi there")
        self.assertEqual(
            self.model.log[-1],
            LogEntry(
                EntryKind.MESSAGE,
                "hi there",
                user="bob",
                time=parse_time("2026-11-21T18:04:05.123Z"),
            ),
        )

    def test_mentions_of_own_name(self) -> None:
        """A message naming the user is marked; their own messages never are."""
        feed(
            self.model,
            "MSG tea bob 2026-11-21T18:04:05.123Z hey Alice, tea?",
            "MSG tea bob 2026-11-21T18:04:06.123Z alicelike is not a mention",
            "MSG tea alice 2026-11-21T18:04:07.123Z I am alice",
        )
        self.assertEqual(
            [entry.mentions_me for entry in self.model.log[-3:]], [True, False, False]
        )

    def test_history_marked_earlier(self) -> None:
        """History lines are earlier entries after one "earlier messages" marker."""
        model = SessionModel()
        feed(
            model,
            *IN_LOBBY,
            "JOINED tea 2 256",
            "MEMBERS tea bob alice",
            "HISTORY tea bob 2026-11-21T18:00:00.000Z first",
            "HISTORY_ACTION tea bob 2026-11-21T18:00:01.000Z waves",
            "MSG tea bob 2026-11-21T18:05:00.000Z live",
        )
        kinds = [(entry.kind, entry.earlier) for entry in model.log[-4:]]
        self.assertEqual(
            kinds,
            [
                (EntryKind.EARLIER, False),
                (EntryKind.MESSAGE, True),
                (EntryKind.ACTION, True),
                (EntryKind.MESSAGE, False),
            ],
        )

    def test_rejoin_does_not_repeat_history(self) -> None:
        """After a reconnect, history the log already shows is not added twice."""
        feed(self.model, "MSG tea bob 2026-11-21T18:00:00.000Z once")
        feed(
            self.model,
            "JOINED tea 2 256",
            "HISTORY tea bob 2026-11-21T18:00:00.000Z once",
        )
        texts = [entry.text for entry in self.model.log]
        self.assertEqual(texts.count("once"), 1)

    def test_private_message_from_lobby(self) -> None:
        """PRIVMSG is logged whatever the page, marked when someone else sent it."""
        model = SessionModel()
        feed(model, *IN_LOBBY, "PRIVMSG bob alice 2026-11-21T18:00:00.000Z psst")
        entry = model.log[-1]
        self.assertEqual(
            (entry.kind, entry.user, entry.target, entry.text, entry.mentions_me),
            (EntryKind.PRIVATE, "bob", "alice", "psst", True),
        )

    def test_bye_reason_kept(self) -> None:
        """BYE's reason is kept for the line the controller writes when the
        connection goes ("connection lost: REASON"), not said twice."""
        before = len(self.model.log)
        feed(self.model, "BYE server shutting down")
        self.assertEqual(self.model.bye_reason, "server shutting down")
        self.assertEqual(len(self.model.log), before)


class RejoinTests(unittest.TestCase):
    """Back in a room after a reconnect: news, not a replay of the join."""

    def setUp(self) -> None:
        self.now = 1_000_000.0
        self.model = SessionModel(now=lambda: self.now)
        feed(
            self.model,
            *IN_TEA,
            "JOIN tea carol",
            "MSG tea bob 2026-11-21T18:04:05.123Z hi",
        )

    def kinds(self) -> list[tuple[EntryKind, str]]:
        return [(entry.kind, entry.text) for entry in self.model.log]

    def test_server_restart(self) -> None:
        """Everyone comes back one by one: one "reconnected" line, no joins
        for those who were there, no topic again; the members as before."""
        before = len(self.model.log)
        self.model.expect_rejoin(["tea"])
        feed(
            self.model,
            "JOINED tea 1 256",
            "MEMBERS tea alice",
            "TOPIC tea bob Tea and biscuits",
            "JOIN tea bob",
            "JOIN tea carol",
        )
        self.assertEqual(self.kinds()[before:], [(EntryKind.NOTICE, "reconnected")])
        self.assertEqual(sorted(self.model.members), ["alice", "bob", "carol"])

    def test_real_news_still_shown(self) -> None:
        """A new topic, a newcomer, and someone back after the window are news."""
        self.model.expect_rejoin(["tea"])
        feed(
            self.model,
            "JOINED tea 1 256",
            "MEMBERS tea alice bob",
            "TOPIC tea bob Scones",
            "JOIN tea dave",
        )
        self.now += 301
        feed(self.model, "JOIN tea carol")
        texts = [text for _kind, text in self.kinds()]
        self.assertIn("Scones", texts)
        self.assertIn("dave joined", texts)
        self.assertIn("carol joined", texts)

    def test_a_plain_join_is_still_a_join(self) -> None:
        """Without a reconnect, going back into a room says "you joined"."""
        feed(self.model, "LEFT tea", "JOINED tea 2 256", "MEMBERS tea bob alice")
        self.assertEqual(self.kinds()[-1], (EntryKind.NOTICE, "you joined tea"))

    def test_lines_carry_their_time(self) -> None:
        """Joins, topics and the client's own lines are stamped when added."""
        stamped = [e for e in self.model.log if e.kind != EntryKind.EARLIER]
        self.assertTrue(all(entry.time is not None for entry in stamped))
        self.assertEqual(self.model.log[0].time, self.now)


class ObservingTests(unittest.TestCase):
    """Listeners and waiters hear of changes."""

    def test_listener_told_of_log_entries(self) -> None:
        """Each new log entry is passed to listeners."""
        model = SessionModel()
        heard: list[tuple[Change, LogEntry | None]] = []
        model.subscribe(lambda change, entry: heard.append((change, entry)))
        feed(model, *IN_TEA, "MSG tea bob 2026-11-21T18:00:00.000Z hi")
        change, entry = heard[-1]
        self.assertEqual(change, Change.LOG)
        assert entry is not None
        self.assertEqual(entry.text, "hi")

    def test_when_fires_on_condition(self) -> None:
        """when() fires only once its condition holds."""
        model = SessionModel()
        waiting = model.when(lambda m: m.page == Page.LOBBY)
        feed(model, "HELLO chatroom 1 hi")
        self.assertNoResult(waiting)
        feed(model, "WELCOME alice")
        self.successResultOf(waiting)


class MentionTests(unittest.TestCase):
    """What counts as mentioning a name."""

    def test_whole_words_only(self) -> None:
        """The name must stand alone (ignoring case), with punctuation allowed after."""
        self.assertTrue(mentions("bob", "hi Bob!"))
        self.assertTrue(mentions("bob", "bob: look"))
        self.assertTrue(mentions("b.o", "ask b.o."))
        self.assertFalse(mentions("bob", "bobby"))
        self.assertFalse(mentions("bob", "jim-bob"))
        self.assertFalse(mentions(None, "bob"))


class BigRoomModelTests(unittest.TestCase):
    """A big room (docs/protocol.md, Big rooms): the join lists fewer members
    than it counts."""

    def setUp(self) -> None:
        self.model = SessionModel()
        feed(self.model, *IN_LOBBY)
        feed(
            self.model,
            "JOINED tea 5 10000",
            "MEMBERS tea bob carol alice",
            "NOTICE tea 5 members: arrivals and departures are shown only for "
            "members who speak; /who lists everyone",
        )

    def test_the_list_is_the_announced_members_of_the_total(self) -> None:
        """The member list is the join's; the total is the room's size; a
        JOIN (someone who spoke) adds to it."""
        self.assertEqual(self.model.members, ["bob", "carol", "alice"])
        self.assertEqual(self.model.members_total, 5)
        feed(self.model, "JOIN tea dave")
        self.assertEqual(self.model.members, ["bob", "carol", "alice", "dave"])

    def test_a_who_lists_everyone_in_the_log_and_keeps_the_list(self) -> None:
        """The /who after joining (and a typed one) lists everyone; the
        member list stays the one JOIN and PART keep true."""
        feed(self.model, "MEMBERS tea bob carol erin frank alice")
        self.assertEqual(self.model.members, ["bob", "carol", "alice"])
        self.model.note_members()
        self.assertIn("(5): bob, carol, erin, frank, alice", self.model.log[-1].text)

    def test_a_small_room_is_listed_whole(self) -> None:
        """A join that lists everyone it counts has no total."""
        feed(self.model, "LEFT tea", "JOINED cafe 2 256", "MEMBERS cafe bob alice")
        self.assertIsNone(self.model.members_total)
        feed(self.model, "MEMBERS cafe bob alice carol")
        self.assertEqual(self.model.members, ["bob", "alice", "carol"])
