"""A message selected in the log, and what the keys do to it.

Keyboard focus never leaves the input line, so a line is selected with
keys of its own (Alt-Up and Alt-Down by default, see :mod:`.keys`): the
first Alt-Up selects the newest message of the log on screen, each
further one the message above. While a line is selected, single keys act
on it by putting the command on the input line, to finish (an emoji, a
reason) and send with Enter:

- ``r``: ``/reply ID `` · ``e`` (your own): ``/edit ID TEXT`` ·
  ``d``: ``/redact ID `` (deleting asks first: Enter deletes) · ``+``:
  ``/react ID `` · ``-``: ``/unreact ID EMOJI`` of your reaction ·
  ``!``: ``/report ID `` (a reason, and Enter reports it);
- ``p`` pins the message at once (unpins a pinned one), and ``t`` opens
  its thread's buffer, where what is typed is said in the thread
  (:data:`DONE_AT_ONCE`: the controller's, not the input line's);
- Enter on a search result (see :mod:`.findings`) shows its room.

So nobody reads or types a message's id.

Esc, or Alt-Down past the newest message, ends the selection; so does any
other key, which then does what it always does.
"""

from __future__ import annotations

from chatroom.client.entries import EntryKind, LogEntry
from chatroom.client.keys import is_command_key, keys_for
from chatroom.client.rich import own_reactions

#: The lines that can be selected: stored messages, and search results.
SELECTABLE = frozenset({EntryKind.MESSAGE, EntryKind.ACTION, EntryKind.FOUND})


def selectable(entry: LogEntry) -> bool:
    """Whether a line can be selected (a stored message still there)."""
    return entry.kind in SELECTABLE and entry.id is not None and not entry.deleted


def step(log: list[LogEntry], current: LogEntry | None, by: int) -> LogEntry | None:
    """The selectable line ``by`` (-1: above, 1: below) from ``current``;
    with none selected, the newest; None past the newest (or none at all)."""
    lines = [entry for entry in log if selectable(entry)]
    if not lines:
        return None
    if current is None:
        return lines[-1] if by < 0 else None
    at = next((i for i, e in enumerate(lines) if e.id == current.id), len(lines))
    wanted = at + by
    if wanted >= len(lines):
        return None
    return lines[max(0, wanted)]


def hint(entry: LogEntry, pinned: bool = False) -> str:
    """What the keys do to the line selected, shown below the log, each
    as ``KEY word`` (``p unpin`` for a ``pinned`` message)."""
    cancel = keys_for("CANCEL")[0]
    if entry.kind == EntryKind.FOUND:
        user = entry.target.removeprefix("@")
        place = user if entry.target.startswith("@") else f"#{entry.target}"
        return f"{keys_for('OPEN_SELECTED')[0]}: go to {place} · {cancel}"
    words = dict(ACTIONS, PIN_SELECTED="unpin") if pinned else dict(ACTIONS)
    keys = [f"{keys_for(name)[0]} {word}" for name, word in words.items()]
    # Two lines, split where they read best: an 80-column log is 61 wide.
    return " · ".join(keys[:5]) + "\n" + " · ".join([*keys[5:], cancel])


#: The key commands that act on a selected message, and their word in the
#: bar below the log.
ACTIONS = (
    ("REPLY_SELECTED", "reply"),
    ("EDIT_SELECTED", "edit"),
    ("DELETE_SELECTED", "delete"),
    ("REACT_SELECTED", "react"),
    ("UNREACT_SELECTED", "unreact"),
    ("PIN_SELECTED", "pin"),
    ("THREAD_SELECTED", "thread"),
    ("REPORT_SELECTED", "report"),
)

#: The key commands that act at once (the controller's), not by putting a
#: line on the input line.
DONE_AT_ONCE = ("PIN_SELECTED", "THREAD_SELECTED")


def command_for(key: str, entry: LogEntry, own_name: str | None) -> str | None:
    """The line a key puts on the input line for the selected message, or
    None when the key does nothing to it (another's message to edit, no
    reaction of yours to take back); ``""`` for a key that is no action."""
    if entry.kind == EntryKind.FOUND:
        return ""
    if is_command_key("REPLY_SELECTED", key):
        return f"/reply {entry.id} "
    if is_command_key("EDIT_SELECTED", key):
        return f"/edit {entry.id} {entry.text}" if entry.user == own_name else None
    if is_command_key("DELETE_SELECTED", key):
        return f"/redact {entry.id} "
    if is_command_key("REACT_SELECTED", key):
        return f"/react {entry.id} "
    if is_command_key("UNREACT_SELECTED", key):
        mine = own_reactions(entry, own_name)
        return f"/unreact {entry.id} {mine[-1]}" if mine else None
    if is_command_key("REPORT_SELECTED", key):
        return f"/report {entry.id} "
    return ""


def done_at_once(key: str) -> str | None:
    """The key command of :data:`DONE_AT_ONCE` that ``key`` is, if any."""
    return next((name for name in DONE_AT_ONCE if is_command_key(name, key)), None)
