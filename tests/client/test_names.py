"""Names, one way (issue 79, point 11) in the terminal client: a person
with a display name is named by it in every place of the screen, and
follows a change of it, whenever their profile comes: beside their
messages old and new, in a reply's quote, a thread's summary, their join
and leave lines, the client's own words about them (pins, kicks,
operators, owners, renames) and the member list.

Profiles come after what they name (a ``/profile`` answer, a ``PROFILE``
line to ``/caps rich`` connections), so every test first draws the
lines, then feeds the profile, and reads the screen as a terminal shows
it.
"""

from __future__ import annotations

from chatroom.client.buffers import private_key
from chatroom.client.controller import MEMBER_PROFILES
from chatroom.client.entries import EntryKind, LogEntry, Page, Person, log_key
from tests.client.support import IN_TEA, ScreenTestCase, feed, screen_text
from tests.client.test_controller import ControllerTestCase

STAMP = "2026-11-21T18:04:05.123Z"

#: carol's display name, as her profile gives it.
CAROL = "PROFILE carol display-name Carol Ann"


class NamedEverywhereTests(ScreenTestCase):
    """The screen of alice, in tea with bob, where carol comes and speaks."""

    def setUp(self) -> None:
        super().setUp()
        feed(self.model, *IN_TEA)

    def log_rows(self, size: tuple[int, int] = (120, 40)) -> str:
        """The log's rows on screen (the member list cut off)."""
        rows = screen_text(self.screen, size)
        return "\n".join(row.split("│")[0].rstrip() for row in rows)

    def member_rows(self, size: tuple[int, int] = (120, 40)) -> list[str]:
        rows = screen_text(self.screen, size)[1:-3]
        return [row.split("│")[1].strip() for row in rows if "│" in row]

    def test_old_and_new_messages_and_the_join_line(self) -> None:
        """carol's join (a line without an id) and her message from the
        room's history, drawn before her profile came, name her by her
        display name once it comes; her new message too."""
        feed(
            self.model,
            f"@3 HISTORY tea carol {STAMP} who has the scones?",
            "JOIN tea carol",
        )
        rows = self.log_rows()
        self.assertIn("→ carol joined", rows)
        feed(self.model, CAROL)
        feed(self.model, f"@9 MSG tea carol {STAMP} the kettle is on")
        rows = self.log_rows()
        self.assertIn("<Carol Ann (carol)> who has the scones?", rows)
        self.assertIn("<Carol Ann (carol)> the kettle is on", rows)
        self.assertIn("→ Carol Ann (carol) joined", rows)
        self.assertNotIn("→ carol joined", rows)

    def test_older_messages_being_fetched(self) -> None:
        """Her profile comes while PgUp's ``/history`` is on its way: the
        older lines, merged when it ends, name her by it too."""
        feed(self.model, f"@9 MSG tea bob {STAMP} and the kettle?")
        self.model.expect_history(log_key(Page.ROOM, "tea"), paging=True)
        feed(self.model, f"@3 HISTORY tea carol {STAMP} who has the scones?", CAROL)
        feed(self.model, "HISTORY_END tea 1")
        self.assertIn("<Carol Ann (carol)> who has the scones?", self.log_rows())

    def test_a_leave_line(self) -> None:
        """Her leave line follows her display name, as her join does."""
        feed(self.model, "JOIN tea carol", "PART tea carol home time")
        feed(self.model, CAROL)
        self.assertIn("← Carol Ann (carol) left (home time)", self.log_rows())

    def test_lines_after_her_profile_came(self) -> None:
        """Her display name known, her next join and leave name her by it."""
        feed(self.model, CAROL, "JOIN tea carol", "PART tea carol home time")
        rows = self.log_rows()
        self.assertIn("→ Carol Ann (carol) joined", rows)
        self.assertIn("← Carol Ann (carol) left (home time)", rows)

    def test_a_reply_quotes_her_by_her_display_name(self) -> None:
        """bob's reply to carol, drawn before her profile came: its quote
        names her ``Carol Ann``, and follows a later change of it."""
        feed(
            self.model,
            f"@3 MSG tea carol {STAMP} who has the scones?",
            f"@4;reply=3 MSG tea bob {STAMP} in the blue tin",
        )
        self.assertIn(
            "↪ carol: who has the scones? · <bob> in the blue tin", self.text()
        )
        feed(self.model, CAROL)
        rows = self.log_rows()
        self.assertIn("↪ Carol Ann: who has the scones? · <bob> in the blue tin", rows)
        feed(self.model, "PROFILE carol display-name Caz")
        self.assertIn("↪ Caz: who has the scones?", self.log_rows())
        feed(self.model, "PROFILE carol display-name")  # unset: her name again
        self.assertIn("↪ carol: who has the scones?", self.log_rows())

    def test_a_thread_summary_names_the_last_by_display_name(self) -> None:
        """``1 reply, last by Carol Ann``: under the thread's root, after
        her profile came."""
        feed(
            self.model,
            f"@7 MSG tea bob {STAMP} who has the key?",
            f"@8;thread=7 MSG tea carol {STAMP} I do",
        )
        self.assertIn("1 reply, last by carol", self.text())
        feed(self.model, CAROL)
        self.assertIn("1 reply, last by Carol Ann at", self.log_rows())

    def test_the_pin_line(self) -> None:
        """``Carol Ann pinned message #3 (Carol Ann: who has the scones?)``:
        who pinned and whose message, by display name; a profile coming
        later redraws the line (it has no id)."""
        feed(
            self.model,
            f"@3 MSG tea carol {STAMP} who has the scones?",
            "PIN tea 3 carol",
        )
        feed(self.model, CAROL)
        self.assertIn(
            "-- Carol Ann pinned message #3 (Carol Ann: who has the scones?)",
            self.log_rows(),
        )
        self.assertEqual(
            self.model.log[-1].text,
            "carol pinned message #3 (carol: who has the scones?)",
        )

    def test_the_clients_own_words_about_people(self) -> None:
        """Operators, kicks, a new owner and a rename name each person by
        display name, those known before the line and those after."""
        feed(
            self.model,
            CAROL,
            "OP tea carol bob",
            "KICK tea dave carol too much sugar",
            "OWNER tea bob",  # the first after joining: no news
            "OWNER tea carol",
            "RENAMED tea chai carol more spice",
            "PROFILE bob display-name Bob Smith",
        )
        rows = self.log_rows()
        self.assertIn("-- Bob Smith made Carol Ann an operator", rows)
        self.assertIn("-- dave was kicked by Carol Ann (too much sugar)", rows)
        self.assertIn("• Carol Ann now owns tea", rows)
        self.assertIn("• Carol Ann renamed tea to chai (more spice)", rows)

    def test_the_topic_names_its_setter(self) -> None:
        """``(set by Bob Smith)``."""
        feed(self.model, "PROFILE bob display-name Bob Smith")
        self.assertIn("• topic: Tea and biscuits (set by Bob Smith)", self.log_rows())

    def test_a_deleted_message(self) -> None:
        """Whose message was deleted, and by whom: by display names."""
        feed(
            self.model,
            f"@3 MSG tea carol {STAMP} who has the scones?",
            "@4 REDACT tea 3 carol wrong room",
            CAROL,
        )
        self.assertIn(
            "<Carol Ann (carol)> message deleted by Carol Ann: wrong room",
            self.log_rows(),
        )

    def test_who_is_typing(self) -> None:
        """``Carol Ann is typing…`` in the status bar."""
        feed(self.model, "TYPING tea carol active")
        self.assertIn("carol is typing", self.text())
        feed(self.model, CAROL)
        self.assertIn("Carol Ann is typing", self.text())

    def test_a_private_message(self) -> None:
        """Her private message, in the conversation's buffer."""
        feed(self.model, f"@3 PRIVMSG carol alice {STAMP} tea at four?", CAROL)
        self.model.focus(private_key("carol"))
        self.assertIn(
            "[private] Carol Ann (carol) → alice: tea at four?", self.log_rows()
        )

    def test_the_member_list(self) -> None:
        """``Carol Ann (carol)`` in the member list, once her profile came."""
        feed(self.model, "JOIN tea carol")
        self.assertIn("carol", self.member_rows())
        feed(self.model, CAROL)
        self.assertIn("Carol Ann (carol)", self.member_rows())

    def test_a_name_in_its_words_follows_its_account_not_look_alikes(self) -> None:
        """Only the person named changes: a line naming carol's name in its
        free text (a reason) keeps it."""
        feed(self.model, "KICK tea dave bob carol said so")
        feed(self.model, CAROL)
        self.assertIn("-- dave was kicked by bob (carol said so)", self.log_rows())


class KnownAsTests(ScreenTestCase):
    """:meth:`LogEntry.known_as`: one person's display name in one line."""

    def test_only_that_person_and_the_same_line_when_unnamed(self) -> None:
        entry = LogEntry(
            EntryKind.MESSAGE,
            "yes",
            user="bob",
            answers=(Person("carol"), ": who?"),
            words=(Person("Carol"), " and ", Person("dave")),
        )
        known = entry.known_as("carol", "Carol Ann")
        self.assertEqual(known.answers, (Person("carol", "Carol Ann"), ": who?"))
        self.assertEqual(
            known.words, (Person("Carol", "Carol Ann"), " and ", Person("dave"))
        )
        self.assertEqual(known.shown_as, "")
        self.assertIs(entry.known_as("erin", "Erin"), entry)


class MemberProfilesTests(ControllerTestCase):
    """The client asks for the profiles of a small room's members, and of
    whoever joins it, once each, at the pace of its own questions."""

    def test_members_and_joiners_asked_once(self) -> None:
        self.into_room()
        self.server.answer("MEMBERS tea alice bob carol")  # its /who
        self.assertEqual(self.server.sent(), ["/profile bob", "/profile carol"])
        self.server.answer(CAROL, "PROFILE_END carol 1")
        self.server.say("JOIN tea dave", "JOIN tea carol")
        self.assertEqual(self.server.sent(), ["/profile dave"])
        self.server.say(f"MSG tea dave {STAMP} hello")
        self.assertEqual(self.server.sent(), [])
        self.assertNotIn("carol's display-name: Carol Ann", self.notes())

    def test_the_authors_of_pins_listed_are_asked(self) -> None:
        """A typed ``/pins`` lists messages of people who may have left:
        each not asked yet is asked for (their display name then stands
        in the list); the pins known quietly on joining ask nobody."""
        self.into_room()
        self.server.answer("MEMBERS tea alice bob")  # its /who
        self.assertEqual(self.server.sent(), ["/profile bob"])
        self.server.answer("PROFILE_END bob 0")
        self.server.say("PINS tea 1")
        self.assertEqual(self.server.sent(), ["/in tea /pins"])
        self.server.answer(f"PINNED tea 7 dave {STAMP} rules", "PINS_END tea 1")
        self.assertEqual(self.server.sent(), [])
        self.controller.submit("/pins")
        self.assertEqual(self.server.sent(), ["/in tea /pins"])
        self.server.answer(
            f"PINNED tea 7 dave {STAMP} rules",
            f"PINNED tea 9 bob {STAMP} tea at four",
            "PINS_END tea 2",
        )
        self.assertEqual(self.server.sent(), ["/profile dave"])

    def test_a_big_rooms_members_are_not_asked(self) -> None:
        """A room of more than MEMBER_PROFILES: its members' names come
        with what they say."""
        self.into_room()
        crowd = [f"m{number}" for number in range(MEMBER_PROFILES + 1)]
        self.server.answer(f"MEMBERS tea alice {' '.join(crowd)}")
        self.server.say("JOIN tea dave")
        self.assertEqual(self.server.sent(), [])
