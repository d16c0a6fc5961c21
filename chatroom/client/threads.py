"""Threads in buffers of their own, ``/pins`` as a list, and a room's
notification level (protocol.md, *Threads*, *Pins*, *Notification
levels*): the words and keys the session model uses for them.

- A thread's message (its ``thread`` tag) whose root is in the room's log
  goes into the thread's own log, keyed by :func:`thread_key`, not the
  room's; the root's line then says how many answer it and who last, when
  (:func:`replies_line`). ``/thread ID`` (without words) opens that log as
  a buffer, listed beside the rooms as ``#tea›7``; a line typed there is
  said in the thread (``/thread ROOT TEXT``).
- ``PINNED`` lines are kept until their ``PINS_END`` and then laid out as
  a list in the room's log (:func:`pins_rows`).
- ``NOTIFY`` sets the room buffer's level, which the buffer list shows
  (:data:`LEVEL_MARKS`); a muted room counts nothing and highlights nothing.
"""

from __future__ import annotations

import time

from chatroom.client.entries import EntryKind, LogEntry, Page, Person, Words, log_key
from chatroom.client.findings import table
from chatroom.client.keys import keys_for

#: How the buffer list marks a room's level (the default, ``mentions``, unmarked).
LEVEL_MARKS = {"all": "[all]", "none": "[muted]"}

#: The lines a thread's count counts.
THREAD_LINES = frozenset({EntryKind.MESSAGE, EntryKind.ACTION})


def thread_key(room: str, root: str) -> str:
    """The log key of the thread rooted at message ``root`` of ``room``."""
    return f"thread:{log_key(Page.ROOM, room)}:{root}"


def replies_line(thread: list[LogEntry], root: str) -> Words:
    """``2 replies, last by bob at 14:02 · select it, t opens it``: the
    thread's messages (not its root, which an open buffer shows first),
    who said the last (by display name, as their line has it), and the
    key that opens it (nobody types an id)."""
    said = [
        entry
        for entry in thread
        if entry.kind in THREAD_LINES and entry.id and str(entry.id) != root
    ]
    if not said:
        return ()
    last = said[-1]
    at = time.strftime("%H:%M", time.localtime(last.time)) if last.time else "?"
    count = f"{len(said)} {'reply' if len(said) == 1 else 'replies'}"
    opens = keys_for("THREAD_SELECTED")[0]
    return (
        f"{count}, last by ",
        Person(last.user, last.shown_as),
        f" at {at} · select it, {opens} opens it",
    )


def pins_rows(pins: list[tuple[str, ...]]) -> list[Words]:
    """``PINNED`` rows (id, user, time, text) as the list's lines: the id
    and time in aligned columns, then the author as a message names them
    (the model dresses them in their display name, and follows a later
    one: :meth:`LogEntry.known_as`) and the text."""
    columns = table([(f"#{number}", stamp) for number, _, stamp, _ in pins])
    return [
        (f"{aligned}  <", Person(user), f"> {text}")
        for aligned, (_, user, _, text) in zip(columns, pins, strict=True)
    ]
