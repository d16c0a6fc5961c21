"""Reports of messages against the Redis registry (a real redis-server):
one Redis, rooms apart, and two nodes."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

from twisted.internet import defer

from chatroom.backends.redis.abuse_reports import MODLOG_COPY, REPORTS_APPLY
from chatroom.core.model import codec
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.moderation import (
    FileReport,
    NotReported,
    ReportsNumbered,
    ServerReports,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.moderation.modlog import MODLOG_KEEP, ModAction, ModEntry
from chatroom.core.moderation.report_store import MessageReport, filed_key
from chatroom.wire.lines import format_time
from tests.backends.contracts.handler import User
from tests.backends.contracts.moderation import CONFIG, PASSWORD, SignedInBase
from tests.backends.contracts.reports import ReportsContract
from tests.cluster.redis_cluster import OnThreePrimaries, RoomsApartRegistryTestCase
from tests.cluster.support import RedisRegistryTestCase, TwoNodeRegistryTestCase
from tests.support import redis_backend


class RedisRegistryReportsTests(RedisRegistryTestCase, ReportsContract):
    config = CONFIG


class RoomsApartReportsTests(RoomsApartRegistryTestCase, ReportsContract):
    """The reports' keys are the server's, beside rooms each in a slot."""

    config = CONFIG


class TwoNodeReportsTests(TwoNodeRegistryTestCase):
    """alice owns tea on node two; carol and dave are on node one, and
    root, an admin, too."""

    config = CONFIG

    @defer.inlineCallbacks
    def test_reports_reach_the_moderators_of_the_other_node(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's report on node one reaches alice on node two and root on
        node one; root closes it while alice on node two closes it at the
        same time: alice's close, decided again, is refused, and alice
        hears root's closing alone."""
        root = yield SignedInBase.signed_in(cast(Any, self), "root")
        alice = yield self.on_two("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea ")
        carol = yield self.connect("carol")
        dave = yield self.connect("dave")
        for user in (carol, dave):
            user.say("/join tea")
            yield self.expect(user, "MEMBERS tea ")
        dave.say("/caps ids")
        yield self.expect(dave, "CAPS ")
        dave.say("buy cheap pills")
        said = (yield self.expect(dave, "@")).split()[0][1:]
        yield self.expect(carol, "MSG tea dave ")
        carol.say(f"/report {said} spam")
        yield self.expect(carol, "REPORTED ")
        for moderator in (alice, root):
            self.assertEqual(
                (yield self.expect(moderator, "REPORT ")),
                f"REPORT 1 tea {said} carol spam",
            )

        async def root_first() -> None:
            root.say("/report close 1 seen")
            await self.expect(root, "REPORT_CLOSED ")

        self.race_before("apply", root_first, self.other.backend)
        alice.say("/report close 1 mine")
        reply = yield self.expect(alice, "ERR ")
        self.assertIn("closed already by root", reply)
        alice.say("/reports")
        self.assertEqual((yield self.expect(alice, "REPORTS_END ")), "REPORTS_END 0")
        closings = [line for line in alice.lines if line.startswith("REPORT_CLOSED")]
        self.assertEqual(closings, ["REPORT_CLOSED 1 root seen"])

    @defer.inlineCallbacks
    def test_a_private_message_reported_on_one_node_reaches_the_admin_on_the_other(
        self,
    ) -> Generator[Any, Any, None]:
        """carol (an account, node one) reports dave's private message:
        root, an admin signed in on node two, hears it and reads it in the
        queue; alice, who owns the room they share, hears nothing."""
        root = yield self.on_two("root")
        root.say(f"/register {PASSWORD}")
        yield self.expect(root, "REGISTERED ")
        alice = yield self.connect("alice")
        alice.say("/create tea")
        yield self.expect(alice, "MEMBERS tea ")
        carol = yield SignedInBase.signed_in(cast(Any, self), "carol")
        carol.say("/caps ids")
        yield self.expect(carol, "CAPS ")
        dave = yield self.on_two("dave")
        for user in (carol, dave):
            user.say("/join tea")
            yield self.expect(user, "MEMBERS tea ")
        dave.say("/msg carol send me your password")
        said = (yield self.expect(carol, "@")).split()[0][1:]
        carol.say(f"/report @dave {said} phishing")
        yield self.expect(carol, "REPORTED ")
        self.assertEqual(
            (yield self.expect(root, "REPORT ")),
            f"REPORT 1 @dave {said} carol phishing",
        )
        root.say("/reports")
        yield self.expect(root, "REPORT_TEXT 1 dave send me your password")
        self.assertEqual((yield self.expect(root, "REPORTS_END ")), "REPORTS_END 1")
        self.assertFalse([x for x in alice.unread() if x.startswith("REPORT")])


class RoomsApartReportEntriesTests(RoomsApartRegistryTestCase, SignedInBase):
    """With rooms apart a report and its entry in the room's log are two
    calls (the report is the server's, the log the room's): the entry is
    kept with the report until a node copies it, so a node lost between
    the two loses nothing (:mod:`chatroom.backends.redis.abuse_reports`)."""

    config = CONFIG

    @defer.inlineCallbacks
    def modlog(self, user: User) -> Generator[Any, Any, list[list[str]]]:
        """tea's moderation log as ``user`` reads it now."""
        before = len(user.lines)
        user.say("/modlog")
        yield self.expect(user, "MODLOG_END tea ")
        read = user.lines[before:]
        return [line.split()[3:] for line in read if line.startswith("MODLOG tea ")]

    @defer.inlineCallbacks
    def test_an_entry_whose_copy_was_cut_short_is_copied_by_the_next_report(
        self,
    ) -> Generator[Any, Any, None]:
        """carol's report stored, its entry kept, by ``REPORTS_APPLY`` alone
        (a node lost before the copy): the report waits in the queue, the
        room's log lacks its entry; bob's report of the same message, on
        this node, copies both entries to tea's log, each once, and keeps
        none; a copy made again adds nothing."""
        room = yield ReportsContract.unkind_room(cast(Any, self))
        (alice, bob, _carol, _dave, _root), _, said = room
        calls = redis_backend(self.server).calls
        stamp = format_time(0)
        report = MessageReport(
            1, "tea", int(said), "dave", "buy cheap pills now", "carol", "spam", stamp
        )
        entry = codec.encode(ModEntry(stamp, "carol", ModAction.REPORT, said, "spam"))
        filed = filed_key("carol", "tea", int(said))
        change = DecidedChange(
            ServerReports(),
            (ReportsNumbered(0), NotReported(filed)),
            (
                FileReport(1, filed, report.encoded()),
                RecordEntries(
                    (ModEntry(stamp, "carol", ModAction.REPORT, said, "spam"),), "tea"
                ),
            ),
        )
        operands = {"change": change, "keep": MODLOG_KEEP, "apart": True}
        reply = yield defer.ensureDeferred(calls.eval(REPORTS_APPLY, operands))
        self.assertEqual(reply[0], b"OK")
        alice.say("/reports")
        self.assertEqual((yield self.expect(alice, "REPORTS_END ")), "REPORTS_END 1")
        self.assertEqual((yield self.modlog(alice)), [])
        bob.say(f"/report {said} pills")
        yield self.expect(bob, "REPORTED ")
        both = [["carol", "report", said, "spam"], ["bob", "report", said, "pills"]]
        self.assertEqual((yield self.modlog(alice)), both)
        kept = yield defer.ensureDeferred(
            calls.command("EXISTS", f"{calls.prefix}reports:unlogged")
        )
        self.assertEqual(kept, 0)
        copy = {"room": "tea", "keep": MODLOG_KEEP, "entries": [entry]}
        yield defer.ensureDeferred(calls.eval(MODLOG_COPY, copy))
        self.assertEqual((yield self.modlog(alice)), both)


class ThreePrimariesReportsTests(OnThreePrimaries, RoomsApartReportsTests):
    """The reports' contract on three primaries: the reports on the server
    slot's, each room's entries copied to its log on the room's."""


class ThreePrimariesReportEntriesTests(OnThreePrimaries, RoomsApartReportEntriesTests):
    pass
