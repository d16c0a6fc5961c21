"""What a line typed in a room's buffer is sent as: ``/in ROOM LINE``.

The server keeps a *current room* for each connection (protocol.md, *Many
rooms*): where a plain line, ``/me`` and a room command such as ``/info``
act. That room is whatever the server last chose: the first room an
account was put back in after signing in, the room joined last, the one
left after a ``/leave``. A client that kept it equal to the room on screen
with ``/focus`` lost that race after every sign-in, and people's words
went to a room they were not looking at. So the client never relies on
it: every plain line, ``/me`` and room command typed in a room's buffer
(or in one of its threads') names that room, as ``/in ROOM LINE``, from
the first keystroke. The server runs LINE in ROOM and answers as LINE
does, naming ROOM, so the answer is drawn in that room's buffer.

Commands that are not about a room (``/msg``, ``/join``, ``/nick``...) and
those that name their room themselves (``/leave ROOM``, ``/say ROOM``,
``/notify ROOM``, ``/delete NAME``) go as they are. A command the server
does not have is one of the room's slash commands (protocol.md, *Slash
commands*), so it names the room too.
"""

from __future__ import annotations

from chatroom.wire.commands import COMMANDS as SERVER_COMMANDS
from chatroom.wire.said import is_command

#: What names the room a line is for (docs/protocol.md, *Many rooms*).
IN = "/in"

#: The commands that act on a room: the one ``/in ROOM`` names (else the
#: server's current room). Some have a form about something else, which
#: :func:`about_a_room` tells apart.
ROOM_COMMANDS = frozenset(
    {
        "/me",
        "/topic",
        "/who",
        "/info",
        "/bans",
        "/history",
        "/reply",
        "/paste",
        "/edit",
        "/redact",
        "/react",
        "/unreact",
        "/thread",
        "/threads",
        "/pin",
        "/unpin",
        "/pins",
        "/report",
        "/follow",
        "/unfollow",
        "/typing",
        "/opmsg",
        "/rename",
        "/op",
        "/deop",
        "/kick",
        "/ban",
        "/unban",
        "/voice",
        "/devoice",
        "/set",
        "/invite",
        "/modlog",
        "/webhook",
        "/command",
        "/owner",
    }
)

#: The settings of ``/set`` that are the user's own, not the room's.
OWN_SETTINGS = frozenset({"previews", "mail"})


def command_word(line: str) -> str:
    """The command of ``line`` in lower case (``/info``), looking through
    ``/in ROOM``; "" for words to say."""
    if not is_command(line):
        return ""
    command, _, rest = line.partition(" ")
    command = command.lower()
    if command == IN:
        return command_word(rest.partition(" ")[2])
    return command


def about_a_room(line: str) -> bool:
    """Whether ``line`` acts on a room: words to say, a room's slash
    command, or a room command (not ``/history @USER``, ``/report @USER
    ID``, ``/report close N``, ``/set previews``, ``/modlog server``:
    those are about a conversation, the reports or the user)."""
    if not is_command(line):
        return True
    command, _, rest = line.partition(" ")
    command, first = command.lower(), rest.split(" ", 1)[0].lower()
    if command[1:] not in SERVER_COMMANDS:  # the room's slash command
        return True
    if command not in ROOM_COMMANDS:
        return False
    if command in ("/history", "/report") and first.startswith("@"):
        return False
    if command == "/report" and first == "close":
        return False
    if command == "/set" and first in OWN_SETTINGS:
        return False
    return not (command == "/modlog" and first == "server")


def addressed(room: str, line: str) -> str:
    """``line`` as typed in ``room``'s buffer: ``/in ROOM LINE`` when it
    acts on a room, else as it is."""
    return f"{IN} {room} {line}" if about_a_room(line) else line


def unaddressed(line: str) -> tuple[str, str]:
    """The room an ``/in ROOM LINE`` names and its LINE; ``("", line)``
    for any other line."""
    command, _, rest = line.partition(" ")
    if command.lower() != IN:
        return "", line
    room, _, inner = rest.partition(" ")
    return room, inner
