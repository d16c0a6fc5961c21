"""What the account, moderation and admin events say, as lines for the log.

The server reports them as fields (``KICK tea bob alice spamming``, see
``docs/protocol.md``, *Accounts*, *Moderation*, *Server admins*); this
module turns each into one sentence a user reads at a glance, and says
whose log it belongs in and whether it is about the user themselves (an
*alert*: kicked, invited, an announcement), which the screen makes
prominent. It is a table of small pure functions so the wording of every
event is in one place and tested without a model or a screen; what an
event *does* to the session (a kicked member leaves the list) stays in
the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from chatroom.wire.lines import ParsedLine


class Line(NamedTuple):
    """One event as the log shows it."""

    text: str
    #: The room whose log it goes in ("": the log on screen).
    room: str = ""
    #: About the user: shown prominently, rings the bell, kept on the lobby page.
    alert: bool = False


def _field(event: ParsedLine, index: int) -> str:
    return event.fields[index] if len(event.fields) > index else ""


def _because(reason: str) -> str:
    return f" ({reason})" if reason else ""


def _kicked(event: ParsedLine) -> Line:
    room, by = _field(event, 0), _field(event, 1)
    reason = f": {event.text}" if event.text else ""
    return Line(f"You were kicked from {room} by {by}{reason}", alert=True)


def kicked_from(event: ParsedLine) -> str:
    """The line a ``KICKED`` leaves in the room's own log."""
    by = _field(event, 1)
    reason = f": {event.text}" if event.text else ""
    return f"you were kicked by {by}{reason}"


def _invited(event: ParsedLine) -> Line:
    room, by = _field(event, 0), _field(event, 1)
    return Line(f"{by} invited you to {room}: /join {room} to accept", alert=True)


def mask_words(mask: str) -> str:
    """A ban or invitation mask in words: ``account:alice`` is "the account
    alice", ``name:eve`` "the name eve" (anything else as it is)."""
    kind, _, who = mask.partition(":")
    if who and kind in ("account", "name"):
        return f"the {kind} {who}"
    return mask


def _listing(what: str, where: str, masks: tuple[str, ...]) -> str:
    if not masks:
        return f"no {what}{where}"
    return f"{what}{where}: {', '.join(mask_words(mask) for mask in masks)}"


def _ban(template: str, in_room: bool = True) -> Callable[[ParsedLine], Line]:
    """A ban event, its mask (the first field after the room) in words."""

    def describe(event: ParsedLine) -> Line:
        fields = [_field(event, index) for index in range(3)]
        room = fields.pop(0) if in_room else ""
        fields[0] = mask_words(fields[0])
        return Line(template.format(*fields), room)

    return describe


def _bans(event: ParsedLine) -> Line:
    room = _field(event, 0)
    return Line(_listing("bans", f" in {room}", event.fields[1:]), room)


def _info(event: ParsedLine) -> Line:
    room, setting = _field(event, 0), _field(event, 1)
    return Line(f"{room} {setting}: {event.text or '-'}", room)


def _says(template: str, in_room: bool = True) -> Callable[[ParsedLine], Line]:
    """An event whose line names its fields in order: ``{0}``, ``{1}``, ...
    after the room for a room's event (which goes in that room's log), and
    ``{reason}``, its free text in brackets if there is any."""

    def describe(event: ParsedLine) -> Line:
        fields = [_field(event, index) for index in range(4)]
        room = fields.pop(0) if in_room else ""
        return Line(template.format(*fields, reason=_because(event.text)), room)

    return describe


#: One describer per event, by event name.
DESCRIBERS: dict[str, Callable[[ParsedLine], Line]] = {
    "REGISTERED": _says(
        "{0} is now your account and you are signed in to it", in_room=False
    ),
    "PASSWORD_CHANGED": _says("the password of {0} was changed", in_room=False),
    "UNREGISTERED": _says(
        "{0} is no longer registered; you keep it as a plain name", in_room=False
    ),
    "OP": _says("{1} made {0} an operator"),
    "DEOP": _says("{1} removed {0} from the operators"),
    "VOICE": _says("{1} gave {0} a voice"),
    "DEVOICE": _says("{1} took {0}'s voice"),
    "KICK": _says("{0} was kicked by {1}{reason}"),
    "KICKED": _kicked,
    "BAN": _ban("{1} banned {0}"),
    "UNBAN": _ban("{1} lifted the ban on {0}"),
    "BANS": _bans,
    "SET": _says("{2} set {0} {1}"),  # IRC's -int: "a,b,c off,off,off"
    "INVITE": _says("{1} invited {0}"),
    "INVITED": _invited,
    "INFO": _info,
    "ANNOUNCE": lambda event: Line(
        f"announcement from {_field(event, 0)}: {event.text}", alert=True
    ),
    "KILLED": _says(
        "{0} was disconnected from the server by {1}{reason}", in_room=False
    ),
    "GBAN": _ban("{1} banned {0} from the server", in_room=False),
    "GUNBAN": _ban("{1} lifted the server ban on {0}", in_room=False),
    "GBANS": lambda event: Line(_listing("server bans", "", event.fields)),
}


def describe(event: ParsedLine) -> Line | None:
    """The log line for an account, moderation or admin event; None: not one."""
    describer = DESCRIBERS.get(event.name)
    return None if describer is None else describer(event)
