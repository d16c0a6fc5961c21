"""Where an IRC session's replay of a room starts: after what it was sent.

An IRC client keeps no history the server could ask about (unless it has
``draft/chathistory``, which asks for itself), so the door replays a
room's recent history at each join. Replaying it whole again at every
``PART``/``JOIN`` and every reconnect floods the window with lines the
user has read, stamped with the time of the replay. So the door keeps,
for each room, the newest event a session was sent there, its *sent
position*, and a join replays only what came after it
(:meth:`~chatroom.core.services.rooms.RoomService.join_room`'s ``sent``:
the core takes the account's read marker instead if that is later, and
replays at most ``--resume-bound`` events, saying how many it left out):

- on one connection, a room left and joined again starts after what the
  connection was sent there (:attr:`IRCSession.positions`, which
  :meth:`IRCSession.parted` records; a plain nick has only these);
- an account's positions are kept among its settings
  (:mod:`chatroom.core.accounts.door_settings`), so the rooms it is put back in at
  sign-in, and a room it joins, start after the newest event any IRC
  session of the account was sent there, across restarts and nodes;
- a room never joined before gets the last ``--history`` events.

What a session was sent is never counted per message: the door's renderer
knows each room's newest event it rendered
(:attr:`~chatroom.doors.irc.rendering.IRCRenderer.newest`: every event is
rendered once per rendering for the room's IRC members on this node, so
a session in the room was sent everything up to it). A session's
positions are read from it when they are kept: when it parts a room, when
it quits or its connection goes, and every :data:`KEEP_EVERY` seconds for
the sessions of this node (:class:`PositionKeeper`, on the injected
clock), each time only the rooms whose position moved, in one write per
account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.logger import Logger

from chatroom.core.accounts.door_settings import DoorState
from chatroom.core.model.errors import ChatError
from chatroom.doors.irc.session import REGISTERED, IRCSession

#: The door's name among an account's sent positions.
DOOR = "irc"
#: Seconds between two keepings of every session's moved positions (a
#: node that dies loses at most this much: its sessions' next sign-in
#: replays it again).
KEEP_EVERY = 60.0
#: The choice that turns the notes of reactions, edits and deletions off.
NOTES = "irc-notes"

log = Logger()


def now_sent(session: IRCSession) -> dict[str, int]:
    """The session's positions now: those it keeps (its rooms left: the
    session records them, :meth:`IRCSession.parted`), and in each room it
    is in, the room's newest event rendered here (it was sent that)."""
    newest = session.renderer.newest
    positions = session.held_positions()
    for room in session.rooms:
        rendered = newest.get(room)
        if rendered is not None:
            positions[room] = max(positions.get(room, 0), rendered)
    return positions


def unkept(session: IRCSession) -> dict[str, int]:
    """The positions that moved past what the account keeps."""
    kept = session.kept_positions
    return {
        room: event_id
        for room, event_id in now_sent(session).items()
        if event_id > kept.get(room, 0)
    }


async def keep(session: IRCSession) -> None:
    """Keep the session's moved positions for its account, in one write
    (nothing for a plain nick, whose positions are its connection's); a
    failure (Redis down) is logged, and they are kept next time."""
    account = session.registry.sessions.account_of(session.member)
    moving = unkept(session) if account else {}
    if not moving:
        return
    try:
        await session.registry.users.keep_sent(account, DOOR, moving)
    except ChatError as failed:
        log.warn(
            "replay positions of {user} not kept: {why}",
            user=session.name,
            why=failed.code,
        )
        return
    session.kept_positions.update(moving)


def keep_later(session: IRCSession) -> None:
    """:func:`keep`, with nobody waiting for it (a part, a lost connection)."""
    done = Deferred.fromCoroutine(keep(session))
    done.addErrback(lambda failure: log.failure("replay positions", failure))


def signed_in(
    session: IRCSession, state: DoorState, others: Iterable[IRCSession]
) -> dict[str, int]:
    """``session`` signed in to an account whose door state is ``state``:
    its choice of notes, and its positions, the account's as kept and, in
    the rooms of ``others`` (its other sessions on this node, whose newest
    are not kept yet), what they were sent. Returns the positions, room
    key → event id, for the rooms its sign-in puts it back in."""
    session.notes_off = state.choices.get(NOTES) == "off"
    session.kept_positions = dict(state.sent)
    positions = dict(state.sent)
    for other in others:
        if other is not session:
            for room, event_id in now_sent(other).items():
                positions[room] = max(positions.get(room, 0), event_id)
    for room, event_id in positions.items():
        session.positions[room] = max(session.positions.get(room, 0), event_id)
    return positions


async def load(session: IRCSession, account: str) -> Mapping[str, int]:
    """Read the account's door state for ``session`` (just signed in):
    :func:`signed_in` with its other sessions here."""
    state = await session.registry.users.door_state(account, DOOR)
    account_of = session.registry.sessions.account_of
    others = [
        other
        for other in session.directory.signed_in(session, account)
        if other.state == REGISTERED and account_of(other.member) == account
    ]
    return signed_in(session, state, others)


class PositionKeeper:
    """Every :data:`KEEP_EVERY` seconds, each signed-in session of the
    door's directory keeps its moved positions (:func:`keep`)."""

    def __init__(self, clock: IReactorTime, sessions: Mapping[str, IRCSession]):
        self.sessions = sessions
        self.loop = LoopingCall(self.keep_all)
        self.loop.clock = clock

    def start(self) -> None:
        if not self.loop.running:
            self.loop.start(KEEP_EVERY, now=False)

    def stop(self) -> None:
        if self.loop.running:
            self.loop.stop()

    def keep_all(self) -> None:
        for session in list(self.sessions.values()):
            if session.state != REGISTERED:
                continue
            if session.registry.sessions.account_of(session.member) and unkept(session):
                keep_later(session)
