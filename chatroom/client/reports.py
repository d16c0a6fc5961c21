"""Reports of messages in a buffer of their own.

A moderator (a room's owner or operator, a server admin) hears each
report as it is made (``REPORT``, then ``REPORT_TEXT`` with what was
said: protocol.md, *Reports*), and ``/reports [ROOM]`` lists the open
ones the same way, then ``REPORTS_END``. Both go to the **reports
buffer**, listed with the rooms as ``reports``: made by the first report
heard (which counts as news there, marked as calling for the user, so
the buffer list shows ``reports(1!)`` without taking the screen), and
emptied and shown when ``/reports`` is typed. A report closed
(``REPORT_CLOSED``) is a line there too. Typed there, a plain line is
not a message: ``/report close N [NOTE]`` closes one, ``/leave`` hides
the buffer until the next report.
"""

from __future__ import annotations

from chatroom.client.entries import Person, Words

#: The reports buffer's log key (no room or user is keyed so).
REPORTS_KEY = "reports"

#: What its header says.
REPORTS_TOPIC = "reports of messages · /report close N [NOTE] closes one"


def place(room: str, reporter: str) -> Words:
    """Where a reported message was said: ``#tea``, or (a room ``@USER``)
    the reporter's private conversation with USER."""
    if room.startswith("@"):
        return (Person(reporter), "'s private conversation with ", Person(room[1:]))
    return (f"#{room}",)


def heading(number: str, room: str, event_id: str, reporter: str, reason: str) -> Words:
    """A ``REPORT`` line: which report, where, by whom and why (each person
    by their display name, as every line names them)."""
    why = f": {reason}" if reason else ""
    where = place(room, reporter)
    return (
        f"report #{number} in ",
        *where,
        ": ",
        Person(reporter),
        f" reported message #{event_id}{why}",
    )


def said(user: str, text: str) -> Words:
    """A ``REPORT_TEXT`` line: what the reported message said."""
    return ("    ", Person(user), f" said: {text}")


def summary(count: str) -> str:
    """``REPORTS_END``: how many are open, and what to do with them."""
    if count == "0":
        return "no open reports"
    return f"{count} open report(s), oldest first · /report close N [NOTE] closes one"


def closed(by: str, number: str, note: str) -> Words:
    """A ``REPORT_CLOSED`` line."""
    return (Person(by), f" closed report #{number}" + (f": {note}" if note else ""))
