"""A message selected in the log, and what the keys do to it.

Keyboard focus never leaves the input line, so a line is selected with
keys of its own (Alt-Up and Alt-Down by default, see :mod:`.keys`): the
first Alt-Up selects the newest message of the log on screen, each
further one the message above. While a line is selected, single keys act
on it by putting the command on the input line, to finish (an emoji, a
reason) and send with Enter:

- ``r``: ``/reply ID `` · ``e`` (your own): ``/edit ID TEXT`` ·
  ``d``: ``/redact ID `` · ``+``: ``/react ID `` · ``-``: ``/unreact ID
  EMOJI`` of your reaction;
- Enter on a search result (see :mod:`.findings`) shows its room.

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


def hint(entry: LogEntry) -> str:
    """What the keys do to the line selected, shown below the log."""
    first = {name: keys_for(name)[0] for name in ACTIONS}
    cancel = keys_for("CANCEL")[0]
    if entry.kind == EntryKind.FOUND:
        user = entry.target.removeprefix("@")
        place = user if entry.target.startswith("@") else f"#{entry.target}"
        return f"{keys_for('OPEN_SELECTED')[0]}: go to {place} · {cancel}"
    return (
        f"{first['REPLY_SELECTED']} reply · {first['EDIT_SELECTED']} edit · "
        f"{first['DELETE_SELECTED']} delete · {first['REACT_SELECTED']} react · "
        f"{first['UNREACT_SELECTED']} unreact · {cancel}"
    )


#: The key commands that act on a selected message.
ACTIONS = (
    "REPLY_SELECTED",
    "EDIT_SELECTED",
    "DELETE_SELECTED",
    "REACT_SELECTED",
    "UNREACT_SELECTED",
)


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
    return ""
