"""``STATUSMSG`` (``STATUSMSG=@`` in ``005``): ``PRIVMSG @#room :text``
reaches the room's owner and operators only.

Who hears it is the core's rule, kept by its fan-out
(:mod:`chatroom.core.messages.operator_messages`), so line and web users who are
operators
get it too, on any node; this module is the IRC form: the target
``@#room`` in (:func:`chatroom.doors.irc.commands.say_to` sends it), the
``OPMSG``/``OPNOTICE`` event out as ``:user PRIVMSG @#room :text`` (or
``NOTICE``), split to fit 512 bytes as any message. Any member may
send one (asking the operators for help is what it is for); the sender's
own comes back only with ``echo-message``.
"""

from __future__ import annotations

from collections.abc import Callable

from chatroom.core.model.events import OperatorMessage
from chatroom.doors.irc.tags import split_text, text_room
from chatroom.doors.irc.wire import build, channel, room_of

#: The channel prefixes a message may be addressed to (``STATUSMSG``).
STATUS_PREFIXES = "@"


def status_room(target: str) -> str | None:
    """The room of ``@#room``, or None for any other target."""
    if target[:1] in STATUS_PREFIXES:
        return room_of(target[1:])
    return None


def operator_lines(event: OperatorMessage, source_of: Callable[[str], str]) -> bytes:
    """A message to a room's operators as the ``PRIVMSG``/``NOTICE`` to
    ``@#room`` it was, from ``source_of(user)``."""
    command = "NOTICE" if event.notice else "PRIVMSG"
    source, target = source_of(event.user), "@" + channel(event.room)
    room_left = text_room(f":{source} {command} {target} :")
    return b"".join(
        build(source, command, target, piece)
        for piece in split_text(event.text, room_left)
    )
