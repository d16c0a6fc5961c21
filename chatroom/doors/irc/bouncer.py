"""An IRC session signed in to an account is one of its devices.

Like a bouncer's downstream connection, it is in all of its account's
rooms (:mod:`chatroom.core.infra.seats`): a room the account is in when it signs
in, or enters later from another device, arrives unasked, as ``JOIN``
and the topic (:meth:`IRCSession.entered`), then (with
``draft/read-marker``) the account's ``MARKREAD``, ``NAMES`` and the
history (:func:`joined_elsewhere`). A marker another device moved arrives as the
core's ``READ`` event and is told as ``MARKREAD`` (:func:`marker_moved`).
The time a client set with ``MARKREAD`` is the account's on this node
(``Directory.stamps``), so every session of it shows the same one; it
travels with the core's ``READ`` (``MarkerMoved.said``) to the account's
sessions on other nodes, which keep it theirs too.
"""

from __future__ import annotations

from chatroom.core.model.events import MarkerMoved, Welcome
from chatroom.core.model.text import name_key
from chatroom.doors.irc.caps import NO_IMPLICIT_NAMES
from chatroom.doors.irc.commands import send_names
from chatroom.doors.irc.markers import send_marker
from chatroom.doors.irc.session import IRCSession

#: The capability that asks for markers.
READ_MARKER = "draft/read-marker"


async def joined_elsewhere(session: IRCSession, welcome: Welcome) -> None:
    """The rest of an unasked join's burst: ``MARKREAD``, ``353``/``366``
    (not for ``no-implicit-names``) with the owner's and operators' marks,
    so an account's own room it is put back in at sign-in shows it ``@``,
    then the room's history."""
    if READ_MARKER in session.caps:
        await send_marker(session, welcome.room)
    if NO_IMPLICIT_NAMES not in session.caps:  # marked as a JOIN's are
        listed = welcome.total is not None or welcome.owner_alone_marked
        await send_names(session, welcome.room, welcome if listed else None)
    session.play_history(welcome.room)


async def marker_moved(session: IRCSession, moved: MarkerMoved) -> None:
    """Another session of the account (on this node or another) moved its
    marker: the time it said is the account's here too, then shown."""
    room = moved.where
    if moved.said:
        session.read_stamps[name_key(room)] = (moved.marker, moved.said)
    shown = session.in_channel(room) if READ_MARKER in session.caps else None
    if shown is not None:
        await send_marker(session, shown)


def share_stamps(session: IRCSession, account: str) -> None:
    """Signed in to ``account``: the times its sessions set are shared."""
    if account:
        shared = session.directory.stamps.setdefault(account, {})
        shared.update(session.read_stamps)
        session.read_stamps = shared
