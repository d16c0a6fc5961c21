"""Reports of messages: ``/report``, ``/reports`` and ``/report close``.

A member reports a message of a room (``/report ID [REASON]``, answered
``REPORTED <id>``); the room's owner and operators and the server's admins
hear it at once, on every node (:class:`~chatroom.core.model.events.ReportFiled`,
addressed by their grant masks, so nobody else is handed it), and it waits
in one queue for the whole server until a moderator closes it with a note
(``/report close N [NOTE]``, heard by the same people as
:class:`~chatroom.core.model.events.ReportClosed`). ``/reports [ROOM]`` lists the
open ones, oldest first, with the reported text: an admin's are every
room's, another's those of the rooms they moderate.

A message of the reporter's own private conversation is reported as
``/report @USER ID [REASON]``: no room's moderator has a say in it, so
only the server's admins hear it and handle it. Its report's room is
``@`` and the other side's name, and it is written in the server's
moderation log (:data:`~chatroom.core.moderation.modlog.SERVER_LOG`).

Each report is numbered by the server (1, 2, ...) and kept by the
back-end's :class:`~chatroom.core.moderation.report_store.ReportStore` across
restarts. The core decides on what it read and hands the back-end one
change of the :class:`~chatroom.core.model.changes.moderation.ServerReports`, resting on
the last number as read and on the reporter not having reported that
message before (a report), or on the report still being open (a close):
two moderators closing the same report at once, on two nodes, leave one
closing and answer the other that it is closed already. Filing and
closing are written in the room's moderation log (the server's for a
private message), the entry carried in the same change. A reporter may file
:data:`REPORTS_PER_MINUTE` reports a minute (counted on each node).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable

from twisted.internet.interfaces import IReactorTime

from chatroom.core.infra.applying import Applies
from chatroom.core.infra.retrying import retried
from chatroom.core.infra.seats import Session
from chatroom.core.messages.life import MessageLife
from chatroom.core.model import errors
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.moderation import (
    CloseReport,
    FileReport,
    NotReported,
    ReportOpen,
    ReportsNumbered,
    ServerReports,
)
from chatroom.core.model.events import PrivateMessage, ReportClosed, ReportFiled
from chatroom.core.model.facts import DecisionFacts
from chatroom.core.model.member import Member
from chatroom.core.model.text import account_mask, name_key, name_mask
from chatroom.core.moderation.modlog import SERVER_LOG, ModAction, ModEntry, recording
from chatroom.core.moderation.report_store import MessageReport, ReportStore, filed_key
from chatroom.core.policy import moderation
from chatroom.core.policy.moderation import Actor
from chatroom.core.rooms.store import RoomStore
from chatroom.core.server.bus import Bus
from chatroom.wire.lines import format_time

#: Reports one reporter may file in a minute (on one node).
REPORTS_PER_MINUTE = 5

#: The longest reason or note kept, in characters.
REASON_MAX = 300

#: What starts the place of a reported private message: ``@`` and the
#: other side's name (no room's name starts so).
PRIVATE = "@"

#: Message ID of the caller's conversation with a user, and the
#: conversation's key (:meth:`chatroom.core.messages.private.PrivateMessages.message`).
PrivateLookup = Callable[[Session, str, int], Awaitable[tuple[str, PrivateMessage]]]


def is_private(place: str) -> bool:
    """Whether a report's place is a private conversation's."""
    return place.startswith(PRIVATE)


def log_of(place: str) -> str:
    """Where a report about ``place`` is written: the room's moderation
    log, or the server's for a private message."""
    return SERVER_LOG if is_private(place) else place


def audience(facts: DecisionFacts | None, admins: frozenset[str]) -> tuple[str, ...]:
    """Who hears a report about a room (None: a room that is gone), as
    grant masks: the server's admins, the room's owner and its operators."""
    masks = {account_mask(admin) for admin in admins}
    if facts is not None:
        policy = facts.room.policy
        if policy.owner_account:
            masks.add(account_mask(policy.owner_account))
        elif facts.room.owner:
            masks.add(name_mask(facts.room.owner))
        masks.update(policy.operators)
    return tuple(sorted(masks))


def _trimmed(text: str) -> str:
    return " ".join(text.split())[:REASON_MAX]


class AbuseReports:
    """``/report``, ``/reports`` and ``/report close``: the core's side."""

    def __init__(
        self,
        clock: IReactorTime,
        rooms: RoomStore,
        reports: ReportStore,
        bus: Bus,
        apply: Applies,
        life: MessageLife,
        seat_of: Callable[[Member], Member],
        session_of: Callable[[Member], Session],
        actor_of: Callable[[Member], Actor],
        admins: Callable[[], frozenset[str]],
        private_message: PrivateLookup,
    ) -> None:
        """Args:
        rooms: a room's facts (who hears a report of it).
        reports: the server's reports as kept.
        bus: tells the admins and operators of a report.
        apply: the back-end's one write (a report filed or closed).
        admins: the accounts of the server's admins now (``--admins``).
        """
        self.clock = clock
        self.rooms = rooms
        self.reports = reports
        self.bus = bus
        self.apply = apply
        self.life = life
        self.seat_of = seat_of
        self.session_of = session_of
        self.actor_of = actor_of
        self.admins = admins
        self.private_message = private_message
        #: reporter key → when its last reports were filed here.
        self._filed: dict[str, deque[float]] = {}

    def _check_rate(self, reporter: str) -> None:
        now = self.clock.seconds()
        recent = self._filed.setdefault(reporter, deque())
        while recent and recent[0] <= now - 60:
            recent.popleft()
        if len(recent) >= REPORTS_PER_MINUTE:
            wait = max(1, round(recent[0] + 60 - now))
            raise errors.ChatError(
                "RATE_LIMITED", f"too many reports: try again in {wait} s"
            )
        recent.append(now)

    async def _reported(
        self, seat: Member, session: Session, place: str, event_id: int
    ) -> tuple[str, str, str, str]:
        """Message ``event_id`` of ``place`` (a room the member is in, or
        ``@USER``): its place as shown, its key for :func:`filed_key`, its
        author and its text."""
        if is_private(place):
            other = place.removeprefix(PRIVATE)
            key, said = await self.private_message(session, other, event_id)
            mine = (session.account, name_key(session.name))
            shown = said.recipient if name_key(said.sender) in mine else said.sender
            return PRIVATE + shown, PRIVATE + key, said.sender, said.text
        where = self.rooms.joined_room(seat, place)
        message = await self.life.message(seat, session, where, event_id)
        return where, name_key(where), message.user, message.text

    async def report(
        self, member: Member, room: str, event_id: int, reason: str
    ) -> MessageReport:
        """``/report ID [REASON]`` in ``room`` (or ``/report @USER ID``: a
        message of the member's conversation with USER): the report filed
        (its moderators hear ``REPORT``: a private message's, the admins);
        ``NO_SUCH_MESSAGE``, ``BAD_ARGS`` for a message the reporter
        reported already, ``RATE_LIMITED``."""
        seat = self.seat_of(member)
        session = self.session_of(seat)
        where, place_key, author, text = await self._reported(
            seat, session, room, event_id
        )
        reporter = session.account or name_key(session.name)
        filed = filed_key(reporter, place_key, event_id)
        reason = _trimmed(reason)
        self._check_rate(reporter)
        target = f"{where}/{event_id}" if is_private(where) else str(event_id)
        kept: list[MessageReport] = []

        async def attempt() -> None:
            facts = await self.reports.facts(filed, 0)
            if facts.filed:
                raise errors.bad_args(f"you reported message {event_id} already")
            number = facts.last + 1
            report = MessageReport(
                number,
                where,
                event_id,
                author,
                text,
                session.name,
                reason,
                format_time(self.clock.seconds()),
            )
            premises = (ReportsNumbered(facts.last), NotReported(filed))
            entry = ModEntry(
                report.time, session.name, ModAction.REPORT, target, reason
            )
            ops = (
                FileReport(number, filed, report.encoded()),
                recording(log_of(where), [entry]),
            )
            await self.apply(DecidedChange(ServerReports(), premises, ops))
            kept.append(report)

        await retried(attempt)
        (report,) = kept
        facts = None if is_private(where) else await self.rooms.facts(where)
        to = audience(facts, self.admins())
        await self.bus.tell_everyone(
            ReportFiled(
                report.number, where, event_id, session.name, reason, author, text, to
            )
        )
        return report

    async def _moderates(self, actor: Actor, room: str) -> DecisionFacts | None:
        """The room's facts if ``actor`` may handle its reports (None: an
        admin's, of a room that is gone or of a private message);
        ``NOT_ALLOWED`` if not."""
        if is_private(room):
            if actor.admin:
                return None
            raise errors.not_allowed("only admins handle reports of private messages")
        try:
            facts = await self.rooms.facts(room)
        except errors.ChatError as refused:
            if refused.code != "NO_SUCH_ROOM":
                raise
            if actor.admin:
                return None
            raise errors.not_allowed(f"{room} is gone: only admins") from refused
        if not moderation.is_operator(facts.room, actor):
            raise errors.not_allowed(
                f"only the owner and operators of {room} can handle its reports"
            )
        return facts

    async def queue(self, member: Member, room: str) -> list[MessageReport]:
        """``/reports [ROOM]``: the open reports, oldest first, of ``room``
        ("": every room an admin may see, or the rooms ``member``
        moderates); ``NOT_ALLOWED`` for a room it does not moderate."""
        actor = self.actor_of(self.seat_of(member))
        reports = await self.reports.open_reports()
        if room:
            key = name_key(room)
            await self._moderates(actor, room)
            return [r for r in reports if name_key(r.room) == key]
        if actor.admin:
            return reports
        allowed: dict[str, bool] = {}
        shown = []
        for report in reports:
            key = name_key(report.room)
            if key not in allowed:
                try:
                    await self._moderates(actor, report.room)
                    allowed[key] = True
                except errors.ChatError:
                    allowed[key] = False
            if allowed[key]:
                shown.append(report)
        return shown

    async def close(self, member: Member, number: int, note: str) -> MessageReport:
        """``/report close N [NOTE]``: report ``number`` closed (its
        moderators hear ``REPORT_CLOSED``); ``BAD_ARGS`` for no such report
        or one closed already, ``NOT_ALLOWED`` but for its room's
        moderators."""
        seat = self.seat_of(member)
        actor = self.actor_of(seat)
        note = _trimmed(note)
        closing: list[tuple[MessageReport, DecisionFacts | None]] = []

        async def attempt() -> None:
            found = (await self.reports.facts("", number)).report
            if found is None:
                raise errors.bad_args(f"there is no report {number}")
            if not found.is_open:
                raise errors.bad_args(
                    f"report {number} was closed already by {found.closed_by}"
                )
            facts = await self._moderates(actor, found.room)
            closed = found.closed(actor.name, note)
            stamp = format_time(self.clock.seconds())
            entry = ModEntry(
                stamp, actor.name, ModAction.CLOSE_REPORT, str(number), note
            )
            ops = (
                CloseReport(number, closed.encoded()),
                recording(log_of(closed.room), [entry]),
            )
            change = DecidedChange(ServerReports(), (ReportOpen(number),), ops)
            await self.apply(change)
            closing.append((closed, facts))

        await retried(attempt)
        ((closed, facts),) = closing
        to = audience(facts, self.admins())
        await self.bus.tell_everyone(
            ReportClosed(number, closed.room, actor.name, note, to)
        )
        return closed
