"""A room's call, told to its IRC channel in words.

IRC clients cannot join a call (it is the web page's), but hear of it: when
one starts, its channel gets a server ``NOTICE`` naming who started it and
where to join it, and when it ends one saying so and how long it lasted.
Joins and departures of a call are not told.
"""

from __future__ import annotations

from chatroom.core.model.events import CallEnded, CallStarted
from chatroom.doors.irc.wire import channel
from chatroom.wire.calls import NONE


def call_started(event: CallStarted) -> str:
    """``alice started a call in #tea: join it from the web page, URL``."""
    where = channel(event.room)
    said = f"{event.user} started a call in {where}: join it from the web page"
    return said if event.url == NONE else f"{said}, {event.url}"


def lasted(seconds: int) -> str:
    """``12 minutes``, ``1 hour 5 minutes``, ``40 seconds``."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes, hours = seconds // 60 % 60, seconds // 3600
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def call_ended(event: CallEnded) -> str:
    """``the call in #tea ended after 12 minutes``."""
    return f"the call in {channel(event.room)} ended after {lasted(event.seconds)}"
