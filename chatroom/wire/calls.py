"""The words of calls both ends speak (docs/protocol.md, "Calls").

A call's events say what happened in one word (:data:`STARTED`,
:data:`JOINED`, :data:`LEFT`, :data:`ENDED`); ``/call``'s actions are words
too. A signalling line carries an SDP offer or answer, 5 to 7 KB of JSON
with audio and video, so ``/call signal`` may be longer than any other line
(:data:`SIGNAL_LINE_MAX`), whatever ``--max-line`` says.
"""

from __future__ import annotations

#: What ``CALL <room> <call> <what> ...`` says happened.
STARTED, JOINED, LEFT, ENDED = "started", "joined", "left", "ended"

#: ``/call``'s actions (none: who is in the room's call).
START, JOIN, LEAVE, SIGNAL = "start", "join", "leave", "signal"

#: What stands for no call, no page address, nobody.
NONE = "-"

#: The longest ``/call signal`` line, in bytes without its end.
SIGNAL_LINE_MAX = 32 * 1024

#: How a ``/call signal`` line begins (any case), for the framing's bound.
SIGNAL_PREFIX = b"/call signal "


def is_signal_line(line: bytes) -> bool:
    """Whether ``line`` is a ``/call signal`` line, which may be up to
    :data:`SIGNAL_LINE_MAX` bytes."""
    return line[: len(SIGNAL_PREFIX)].lower() == SIGNAL_PREFIX
