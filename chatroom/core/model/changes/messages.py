"""A room's messages: what it keeps and shows, what is said to it, and
what becomes of it after (an edit, a redaction, a reaction, a pin, an
erasure, its age); its webhooks, the way in for a post from outside, and
its slash commands, the way out to a member's tools.

An ordinary message rests on the room being :class:`Unmoderated` and its
speaker not quiet (made once per speaker,
:mod:`chatroom.core.services.premises`); the rest on the room as read
(its incarnation and version) and on the message as read.
"""

from __future__ import annotations

from dataclasses import dataclass

from chatroom.core.model.changes.base import (
    Operation,
    Premise,
    RoomSubject,
    Subject,
    declare,
)
from chatroom.core.model.changes.modlog import RecordEntries
from chatroom.core.model.changes.rooms import Emit, Incarnation, QuietAmong, Version
from chatroom.core.model.changes.transactions import KeyUnused
from chatroom.core.model.events import Message, RoomEvent, StoredEvent
from chatroom.core.model.hooks import Hook
from chatroom.core.model.slash_commands import SlashCommand

# -- subjects ------------------------------------------------------------------


@dataclass(frozen=True)
class RoomMessages(RoomSubject):
    """What room ``room`` (its name key) keeps and publishes."""


@dataclass(frozen=True)
class RoomPins(RoomSubject):
    """The messages room ``room`` (its name key) keeps pinned."""


@dataclass(frozen=True)
class RoomHooks(RoomSubject):
    """Room ``room``'s webhooks (its name key)."""


@dataclass(frozen=True)
class RoomCommands(RoomSubject):
    """Room ``room``'s slash commands (its name key)."""


@dataclass(frozen=True)
class StoredHistories(Subject):
    """Every room's kept events, all at once: what a sweep by age
    (:mod:`chatroom.core.messages.retention`) changes, whether or not anyone
    speaks."""


# -- a room's messages: premises and operations --------------------------------


@dataclass(frozen=True)
class Unmoderated(Premise):
    """The room is not moderated (``+m`` off), so any member may speak: an
    ordinary message rests on this alone, decided with no read of the
    room's facts (a moderated room's, or one from outside, rests on the
    room's :class:`Incarnation` and :class:`Version` instead)."""


@dataclass(frozen=True)
class Announce(Operation):
    """Show ``event`` (user ``user``'s ``JOIN``: a name key) before its
    first words; the user is quiet no more (:func:`chatroom.core.
    membership.speaking`; the change rests on :class:`QuietAmong`)."""

    user: str
    event: RoomEvent


@dataclass(frozen=True)
class Append(Operation):
    """Number ``event`` with the room's next id (its ``id`` set), show it
    to the room's members and keep it (said at ``now``, Unix seconds): a
    message, a topic change. ``outside``: its speaker need not be a member
    (the room takes messages from outside, as the change's premises say
    it was read). ``oldest``: the room's kept events said before it go,
    of every kind, oldest first (Unix seconds,
    :func:`chatroom.core.policy.rules.oldest_kept`; 0: none goes for its age)."""

    event: StoredEvent
    now: float
    outside: bool = False
    oldest: float = 0.0


@dataclass(frozen=True)
class SetTopic(Operation):
    """The room's topic is now ``text``, set by ``by`` (a name as shown)
    at ``at`` (Unix seconds)."""

    text: str
    by: str
    at: int


# -- a room's messages said before: premises and operations --------------------


@dataclass(frozen=True)
class MessageIs(Premise):
    """Stored message ``message`` (its ``id`` set) is kept as the decision
    read it: neither changed nor gone since (an edit, a redaction or a
    reaction rests on the message it was decided on)."""

    message: Message


@dataclass(frozen=True)
class Reacted(Premise):
    """User ``user`` (a name key) has given ``reaction`` to message
    ``target`` (``given``), or has not: adding a reaction rests on its not
    being given yet, taking it back on its being given."""

    target: str
    reaction: str
    user: str
    given: bool


@dataclass(frozen=True)
class FewerReactionsThan(Premise):
    """Message ``target`` carries fewer than ``count`` distinct reactions,
    or carries ``reaction`` already: a reaction added under the most the
    core allows (:data:`~chatroom.core.policy.reactions.REACTIONS_PER_MESSAGE`)."""

    target: str
    reaction: str
    count: int


@dataclass(frozen=True)
class Rewrite(Operation):
    """Stored message ``id`` now reads as ``replacement`` (an edit), or is
    gone with the edits and reactions that depend on it (None: a
    redaction)."""

    id: str
    replacement: Message | None


@dataclass(frozen=True)
class React(Operation):
    """User ``user`` (a name key) gives ``reaction`` to message ``target``
    (``adding``), or takes it back."""

    target: str
    reaction: str
    user: str
    adding: bool


# -- a deleted account's room messages: premises and operations ----------------


@dataclass(frozen=True)
class EventIs(Premise):
    """Stored event ``event`` (its ``id`` set) is kept as the decision read
    it, or no longer kept at all (past what the room keeps: nothing left
    to change): neither changed nor redacted since. A refusal brings no
    facts; the core reads them again."""

    event: StoredEvent


@dataclass(frozen=True)
class ReplaceEvent(Operation):
    """Stored event ``id`` now reads as ``replacement``, all of it (its
    author too), or is gone (None), its id left unused: what a deleted
    account's words become (:func:`chatroom.core.policy.userdata.erasure`). It
    changes that one event: the events that depend on it have their own."""

    id: str
    replacement: StoredEvent | None


# -- a room's pins: operations -------------------------------------------------


@dataclass(frozen=True)
class SetPin(Operation):
    """Message ``event_id`` of the room is pinned by ``by`` (a name as
    shown), or no longer pinned (``pinned`` False)."""

    event_id: int
    by: str
    pinned: bool


# -- a room's webhooks: premises and operations --------------------------------


@dataclass(frozen=True)
class HookHeld(Premise):
    """The room has a webhook called ``name`` (a name key: ``held``), or
    has none of that name."""

    name: str
    held: bool


@dataclass(frozen=True)
class FewerHooksThan(Premise):
    """The room has fewer than ``count`` webhooks: one more added under the
    most the core allows (:data:`~chatroom.core.rooms.webhooks.HOOKS_PER_ROOM`)."""

    count: int


@dataclass(frozen=True)
class AddHook(Operation):
    """Keep ``hook`` (its room's, under its name), and know it by its
    secret."""

    hook: Hook


@dataclass(frozen=True)
class RemoveHook(Operation):
    """The room's webhook called ``name`` (a name key) goes, and its
    secret admits no post."""

    name: str


# -- a room's slash commands: premises and operations --------------------------


@dataclass(frozen=True)
class CommandHeld(Premise):
    """The room has a slash command called ``name`` (its key, casefolded:
    ``held``), or has none of that name."""

    name: str
    held: bool


@dataclass(frozen=True)
class FewerCommandsThan(Premise):
    """The room has fewer than ``count`` slash commands: one more added
    under the most the core allows
    (:data:`~chatroom.core.rooms.slash_commands.COMMANDS_PER_ROOM`)."""

    count: int


@dataclass(frozen=True)
class AddCommand(Operation):
    """Keep ``command`` as the room's, under ``name`` (its key)."""

    name: str
    command: SlashCommand


@dataclass(frozen=True)
class RemoveCommand(Operation):
    """The room's slash command called ``name`` (its key) goes."""

    name: str


# -- every room's history by age: premises and operations ----------------------


@dataclass(frozen=True)
class SweepLease(Premise):
    """The sweep is ``holder``'s (a node's id): no other holds its lease,
    and ``holder`` takes it, or keeps it, for ``seconds``, so that of a
    cluster's nodes one sweeps at a time. A refusal brings no facts."""

    holder: str
    seconds: float


@dataclass(frozen=True)
class AgeOut(Operation):
    """Every room's kept events said before ``oldest`` go, of every kind,
    oldest first, and none said since (Unix seconds,
    :func:`chatroom.core.policy.rules.oldest_kept`): what :class:`Append`'s
    ``oldest`` does to the room spoken in, done to all of them. Ids are
    untouched (the room's next event takes the next one), and a back-end
    may apply it room by room: applied twice, or in part and then
    again, it leaves what applying it once does."""

    oldest: float


# -- the declarations -----------------------------------------------------------

#: The premises a member's message said rests on, of those a change of a
#: room's messages may (:func:`chatroom.core.services.premises.ordinary`:
#: the room not moderated and the speaker's quietness; or the room as read
#: where it is moderated): what a back-end's step of messages alone reads.
SAID_ON: tuple[type[Premise], ...] = (Unmoderated, QuietAmong, Incarnation, Version)

declare(
    RoomMessages,
    operations=(
        Announce,
        Append,
        SetTopic,
        Rewrite,
        React,
        ReplaceEvent,
        RecordEntries,
    ),
    premises=(
        Unmoderated,
        QuietAmong,
        Incarnation,
        Version,
        MessageIs,
        Reacted,
        FewerReactionsThan,
        EventIs,
        KeyUnused,
    ),
)
declare(
    RoomPins,
    operations=(SetPin, Emit, RecordEntries),
    premises=(Incarnation, Version),
)
declare(
    RoomHooks,
    operations=(AddHook, RemoveHook),
    premises=(HookHeld, FewerHooksThan),
)
declare(
    RoomCommands,
    operations=(AddCommand, RemoveCommand),
    premises=(CommandHeld, FewerCommandsThan),
)
declare(StoredHistories, operations=(AgeOut,), premises=(SweepLease,))
