"""Reports of messages, run against every registry: ``/report``,
``/reports`` and ``/report close``.

With the in-process registry (``tests/backends/local/test_reports.py``)
and with a real ``redis-server`` (``tests/backends/redis/test_reports.py``).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.moderation import (
    FileReport,
    ReportsNumbered,
    ServerReports,
)
from tests.backends.contracts.handler import User
from tests.backends.contracts.moderation import SignedInBase


class ReportsContract(SignedInBase):
    """alice owns tea, bob and carol are members, dave says something
    unkind; root is a server admin (the moderation contract's CONFIG)."""

    @defer.inlineCallbacks
    def unkind_room(self) -> Generator[Any, Any, tuple[list[User], User, str]]:
        """tea with alice (owner), bob, carol and dave, root signed in
        elsewhere; dave's message's id."""
        root = yield self.signed_in("root")
        users = yield self.in_room("tea", "alice", "bob", "carol", "dave")
        dave = users[3]
        dave.say("/caps ids")
        yield self.expect(dave, "CAPS ")
        dave.say("buy cheap pills now")
        said = (yield self.expect(dave, "@")).split()[0][1:]
        yield self.expect(users[2], "MSG tea dave ")
        return [*users, root], dave, said

    @defer.inlineCallbacks
    def test_a_report_reaches_the_owner_and_admins_and_waits_in_the_queue(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's ``/report`` is ``REPORTED``; alice (the owner) and root
        (an admin) hear ``REPORT`` with the reported text, bob and dave
        nothing; a second report of it is refused; bob cannot read the
        queue; alice reads it, closes the report with a note, and both
        moderators hear ``REPORT_CLOSED``; both steps are in the room's
        moderation log."""
        (alice, bob, carol, dave, root), _, said = yield self.unkind_room()
        carol.say(f"/report {said} selling pills")
        self.assertEqual((yield self.expect(carol, "REPORTED ")), f"REPORTED {said}")
        for moderator in (alice, root):
            self.assertEqual(
                (yield self.expect(moderator, "REPORT ")),
                f"REPORT 1 tea {said} carol selling pills",
            )
            self.assertEqual(
                (yield self.expect(moderator, "REPORT_TEXT ")),
                "REPORT_TEXT 1 dave buy cheap pills now",
            )
        reply = yield self.refused(carol, f"/report {said}", "BAD_ARGS")
        self.assertIn("already", reply)
        yield self.refused(bob, "/reports tea", "NOT_ALLOWED")
        yield self.refused(bob, "/report close 1", "NOT_ALLOWED")
        bob.say("/reports")
        self.assertEqual((yield self.expect(bob, "REPORTS_END ")), "REPORTS_END 0")
        for user in (bob, carol, dave):
            self.assertFalse([line for line in user.unread() if " 1 tea " in line])
        alice.say("/reports")
        self.assertEqual(
            (yield self.expect(alice, "REPORT ")),
            f"REPORT 1 tea {said} carol selling pills",
        )
        self.assertEqual((yield self.expect(alice, "REPORTS_END ")), "REPORTS_END 1")
        alice.say("/report close 1 warned dave")
        for moderator in (alice, root):
            self.assertEqual(
                (yield self.expect(moderator, "REPORT_CLOSED ")),
                "REPORT_CLOSED 1 alice warned dave",
            )
        root.say("/reports")
        self.assertEqual((yield self.expect(root, "REPORTS_END ")), "REPORTS_END 0")
        reply = yield self.refused(root, "/report close 1", "BAD_ARGS")
        self.assertIn("closed already by alice", reply)
        alice.say("/modlog")
        yield self.expect(alice, "MODLOG_END tea ")
        logged = [line.split()[3:] for line in alice.lines if "MODLOG tea" in line]
        self.assertEqual(
            logged,
            [
                ["carol", "report", said, "selling", "pills"],
                ["alice", "close-report", "1", "warned", "dave"],
            ],
        )

    @defer.inlineCallbacks
    def test_an_operator_hears_reports_and_a_plain_member_reports_too(
        self,
    ) -> Generator[Any, Any, None]:
        """Once ``/op`` ped, bob hears the next report and reads the queue;
        a report of no message is ``NO_SUCH_MESSAGE``."""
        (alice, bob, carol, dave, _), _, said = yield self.unkind_room()
        alice.say("/op bob")
        yield self.expect(bob, "OP tea bob alice")
        yield self.refused(carol, "/report 999", "NO_SUCH_MESSAGE")
        yield self.refused(carol, "/report", "BAD_ARGS")
        dave.say(f"/report {said} I did not mean it")
        self.assertEqual(
            (yield self.expect(bob, "REPORT ")),
            f"REPORT 1 tea {said} dave I did not mean it",
        )
        bob.say("/reports tea")
        self.assertEqual((yield self.expect(bob, "REPORTS_END ")), "REPORTS_END 1")

    @defer.inlineCallbacks
    def queue(self, user: User, line: str) -> Generator[Any, Any, list[str]]:
        """The ``REPORT`` lines ``line`` (a ``/reports``) is answered, as
        number, room and message, up to its ``REPORTS_END`` (what it heard
        before is read)."""
        user.poll()
        user.seen = len(user.lines)
        user.say(line)
        listed = []
        while not (heard := (yield self.expect(user, "REPORT"))).startswith(
            "REPORTS_END "
        ):
            if heard.startswith("REPORT "):
                listed.append(" ".join(heard.split()[1:4]))
        self.assertEqual(heard, f"REPORTS_END {len(listed)}")
        return listed

    @defer.inlineCallbacks
    def test_the_queue_is_oldest_first_and_by_room(
        self,
    ) -> Generator[Any, Any, None]:
        """Two reports in tea (the later message reported first) and one in
        bob's den: ``/reports`` lists each moderator's rooms' open reports
        in the order they were filed, ``/reports ROOM`` one room's; a
        closed one leaves the others in order."""
        (alice, bob, carol, dave, root), _, said = yield self.unkind_room()
        dave.say("more pills")
        later = (yield self.expect(dave, "@")).split()[0][1:]
        bob.say(f"/report {later}")
        yield self.expect(bob, "REPORTED ")
        carol.say(f"/report {said}")
        yield self.expect(carol, "REPORTED ")
        bob.say("/create den")
        yield self.expect(bob, "MEMBERS den ")
        for user in (carol, dave):
            yield self.enter(user, "den")
        dave.say("pills in den too")
        in_den = (yield self.expect(dave, "@")).split()[0][1:]
        carol.say(f"/report {in_den}")
        yield self.expect(carol, "REPORTED ")
        for moderator, last in ((alice, 2), (bob, 3), (root, 3)):
            yield self.expect(moderator, f"REPORT_TEXT {last} ")  # heard live
        tea = [f"1 tea {later}", f"2 tea {said}"]
        self.assertEqual((yield self.queue(alice, "/reports")), tea)
        self.assertEqual((yield self.queue(bob, "/reports")), [f"3 den {in_den}"])
        self.assertEqual(
            (yield self.queue(root, "/reports")), [*tea, f"3 den {in_den}"]
        )
        self.assertEqual((yield self.queue(root, "/reports tea")), tea)
        self.assertEqual((yield self.queue(root, "/reports den")), [f"3 den {in_den}"])
        root.say("/report close 1")
        yield self.expect(root, "REPORT_CLOSED 1 ")
        self.assertEqual(
            (yield self.queue(root, "/reports")), [tea[1], f"3 den {in_den}"]
        )

    @defer.inlineCallbacks
    def test_two_moderators_close_the_same_report_once(
        self,
    ) -> Generator[Any, Any, None]:
        """root closes report 1 between alice's read and her close: hers is
        decided again on what is kept and refused (closed already by root),
        and each moderator hears one ``REPORT_CLOSED``."""
        (alice, _, carol, _, root), _, said = yield self.unkind_room()
        carol.say(f"/report {said}")
        yield self.expect(alice, "REPORT_TEXT ")
        yield self.expect(root, "REPORT_TEXT ")

        async def root_first() -> None:
            root.say("/report close 1 seen")
            await self.expect(root, "REPORT_CLOSED ")

        self.race_before("apply", root_first)
        reply = yield self.refused(alice, "/report close 1 mine", "BAD_ARGS")
        self.assertIn("closed already by root", reply)
        yield self.wait()
        closings = [line for line in alice.lines if line.startswith("REPORT_CLOSED")]
        self.assertEqual(closings, ["REPORT_CLOSED 1 root seen"])

    @defer.inlineCallbacks
    def test_a_report_numbered_on_stale_facts_is_refused(
        self,
    ) -> Generator[Any, Any, None]:
        """The back-end keeps nothing of a report whose number was read
        before another report took it: the premise fails, and the queue
        still holds the one report."""
        (alice, _, carol, _, _), _, said = yield self.unkind_room()
        carol.say(f"/report {said}")
        yield self.expect(alice, "REPORT_TEXT ")
        backend = cast(Any, self.server.registry).backend
        stale = DecidedChange(
            ServerReports(),
            (ReportsNumbered(0),),
            (FileReport(1, "bob tea 1", "{}"),),
        )
        with self.assertRaises(PremiseFailedError):
            yield defer.ensureDeferred(backend.apply(stale))
        alice.say("/reports")
        self.assertEqual((yield self.expect(alice, "REPORTS_END ")), "REPORTS_END 1")

    @defer.inlineCallbacks
    def test_reports_are_rate_limited(self) -> Generator[Any, Any, None]:
        """A reporter's sixth report within a minute is ``RATE_LIMITED``."""
        (_, _, carol, dave, _), _, _ = yield self.unkind_room()
        ids = []
        for n in range(6):
            dave.say(f"spam {n}")
            ids.append((yield self.expect(dave, "@")).split()[0][1:])
        for event_id in ids[:5]:
            carol.say(f"/report {event_id}")
            yield self.expect(carol, "REPORTED ")
        yield self.refused(carol, f"/report {ids[5]}", "RATE_LIMITED")

    @defer.inlineCallbacks
    def test_a_private_message_is_reported_to_the_admins_alone(
        self,
    ) -> Generator[Any, Any, None]:
        """carol reports dave's private message to her (``/report @dave
        ID``): root (an admin) hears it with its text, alice (tea's owner)
        nothing, and it is in root's queue, not alice's; carol cannot
        report it twice; only an admin closes it; both steps are in the
        server's moderation log."""
        (alice, bob, _, dave, root), _, _ = yield self.unkind_room()
        carol = yield self.signed_in("carol2")
        dave.say("/msg carol2 send me your password")
        yield self.expect(carol, "PRIVMSG dave carol2 ")
        yield self.refused(carol, "/report @dave", "BAD_ARGS")
        carol.say("/caps ids")
        yield self.expect(carol, "CAPS ")
        carol.say("/history @dave 1")
        said = (yield self.expect(carol, "@")).split()[0][1:]
        carol.say(f"/report @Dave {said} phishing")
        self.assertEqual((yield self.expect(carol, "REPORTED ")), f"REPORTED {said}")
        self.assertEqual(
            (yield self.expect(root, "REPORT ")),
            f"REPORT 1 @dave {said} carol2 phishing",
        )
        self.assertEqual(
            (yield self.expect(root, "REPORT_TEXT ")),
            "REPORT_TEXT 1 dave send me your password",
        )
        reply = yield self.refused(carol, f"/report @dave {said}", "BAD_ARGS")
        self.assertIn("already", reply)
        yield self.refused(carol, "/report @dave 999", "NO_SUCH_MESSAGE")
        alice.say("/reports")
        self.assertEqual((yield self.expect(alice, "REPORTS_END ")), "REPORTS_END 0")
        yield self.refused(alice, "/report close 1", "NOT_ALLOWED")
        for user in (alice, bob, dave):
            self.assertFalse([line for line in user.unread() if "REPORT 1" in line])
        root.say("/reports")
        self.assertEqual(
            (yield self.expect(root, "REPORT ")),
            f"REPORT 1 @dave {said} carol2 phishing",
        )
        self.assertEqual((yield self.expect(root, "REPORTS_END ")), "REPORTS_END 1")
        root.say("/report close 1 dave warned")
        self.assertEqual(
            (yield self.expect(root, "REPORT_CLOSED ")),
            "REPORT_CLOSED 1 root dave warned",
        )
        root.say("/modlog server")
        yield self.expect(root, "MODLOG_END ")
        logged = [line.split()[3:] for line in root.lines if "MODLOG * " in line]
        self.assertEqual(
            logged,
            [
                ["carol2", "report", f"@dave/{said}", "phishing"],
                ["root", "close-report", "1", "dave", "warned"],
            ],
        )
