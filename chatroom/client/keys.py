"""Key bindings as data, in one place (as zulip-terminal's ``config/keys.py``).

Widgets never compare against key literals; they ask :func:`is_command_key`,
so a binding changes here and nowhere else, and ``/help`` lists these
(with the commands, :mod:`.helptext`).
"""

from __future__ import annotations

from typing import TypedDict


class KeyBinding(TypedDict):
    """The keys that trigger one command, and what it does (shown by /help)."""

    keys: list[str]
    help_text: str


KEY_BINDINGS: dict[str, KeyBinding] = {
    "SEND": {"keys": ["enter"], "help_text": "Send (lobby: join the selected room)"},
    "HISTORY_PREVIOUS": {
        "keys": ["up", "ctrl p"],
        "help_text": "Earlier input (lobby: ctrl p)",
    },
    "HISTORY_NEXT": {
        "keys": ["down", "ctrl n"],
        "help_text": "Later input (lobby: ctrl n)",
    },
    "ROOM_PREVIOUS": {"keys": ["up"], "help_text": "Lobby: select the room above"},
    "EDIT_LAST": {
        "keys": ["up"],
        "help_text": "Room, empty line: edit your last message",
    },
    "ROOM_NEXT": {"keys": ["down"], "help_text": "Lobby: select the room below"},
    "COMPLETE": {
        "keys": ["tab"],
        "help_text": "Complete a command, name, :emoji",
    },
    "SCROLL_UP": {"keys": ["page up"], "help_text": "Scroll the log up"},
    "SCROLL_DOWN": {"keys": ["page down"], "help_text": "Scroll the log down"},
    "TO_NEWEST": {
        "keys": ["ctrl end", "meta >"],
        "help_text": "Jump the log to the newest line",
    },
    "TO_OLDEST": {
        "keys": ["ctrl home", "meta <"],
        "help_text": "Jump the log to its top (and load older)",
    },
    "LINE_START": {"keys": ["ctrl a", "home"], "help_text": "Start of the line"},
    "LINE_END": {"keys": ["ctrl e", "end"], "help_text": "End of the line"},
    "KILL_TO_START": {"keys": ["ctrl u"], "help_text": "Delete to the line's start"},
    "KILL_TO_END": {"keys": ["ctrl k"], "help_text": "Delete to the line's end"},
    "KILL_WORD": {"keys": ["ctrl w"], "help_text": "Delete back to a space"},
    "KILL_WORD_PART": {
        "keys": ["meta backspace"],
        "help_text": "Delete the word before the cursor",
    },
    "WORD_BACK": {"keys": ["meta b"], "help_text": "Back one word"},
    "WORD_FORWARD": {"keys": ["meta f"], "help_text": "Forward one word"},
    "YANK": {"keys": ["ctrl y"], "help_text": "Put back what was last deleted"},
    "TRANSPOSE": {"keys": ["ctrl t"], "help_text": "Swap the two characters"},
    "BUFFER_PREVIOUS": {
        "keys": ["meta left"],
        "help_text": "Show the previous room or conversation",
    },
    "BUFFER_NEXT": {
        "keys": ["meta right"],
        "help_text": "Show the next room or conversation",
    },
    **{
        f"BUFFER_{number}": {
            "keys": [f"meta {number}"],
            "help_text": f"Show room or conversation {number} of the list",
        }
        for number in range(1, 10)
    },
    "SELECT_PREVIOUS": {
        "keys": ["meta up"],
        "help_text": "Select a message (again: the one above)",
    },
    "SELECT_NEXT": {
        "keys": ["meta down"],
        "help_text": "Select the message below",
    },
    "REPLY_SELECTED": {"keys": ["r"], "help_text": "Selected: reply to it"},
    "EDIT_SELECTED": {"keys": ["e"], "help_text": "Selected: edit it (yours)"},
    "DELETE_SELECTED": {"keys": ["d"], "help_text": "Selected: delete it"},
    "REACT_SELECTED": {"keys": ["+"], "help_text": "Selected: react to it"},
    "UNREACT_SELECTED": {
        "keys": ["-"],
        "help_text": "Selected: take back your reaction",
    },
    "PIN_SELECTED": {
        "keys": ["p"],
        "help_text": "Selected: pin it (pinned: unpin it)",
    },
    "THREAD_SELECTED": {
        "keys": ["t"],
        "help_text": "Selected: open its thread",
    },
    "REPORT_SELECTED": {
        "keys": ["!"],
        "help_text": "Selected: report it",
    },
    "OPEN_SELECTED": {
        "keys": ["enter"],
        "help_text": "Selected search result: go to its room",
    },
    "CANCEL": {
        "keys": ["esc"],
        "help_text": "Back out (password, notice, selection)",
    },
    "QUIT": {"keys": ["ctrl c"], "help_text": "Leave (as /quit does)"},
    "RETRY_NOW": {"keys": ["ctrl r"], "help_text": "Reconnect now (when disconnected)"},
}

#: Mouse buttons that scroll the log (urwid numbers the wheel as 4 and 5).
WHEEL_UP_BUTTON = 4
WHEEL_DOWN_BUTTON = 5


def is_command_key(command: str, key: str) -> bool:
    """Whether ``key`` is bound to ``command`` (an unknown command is an error)."""
    try:
        return key in KEY_BINDINGS[command]["keys"]
    except KeyError:
        raise ValueError(f"no such key command: {command!r}") from None


#: The keys urwid names (besides single characters), each of which may
#: follow ``shift``, ``meta`` and ``ctrl`` (``ctrl end``, ``meta shift f5``).
NAMED_KEYS = frozenset(
    {
        "backspace",
        "delete",
        "down",
        "end",
        "enter",
        "esc",
        "home",
        "insert",
        "left",
        "page down",
        "page up",
        "right",
        "tab",
        *(f"f{number}" for number in range(1, 21)),
    }
)
_MODIFIERS = ("shift ", "meta ", "ctrl ")


def is_key_name(key: str) -> bool:
    """Whether urwid can ever report ``key`` (``f5``, ``ctrl r``, ``x``)."""
    while key.startswith(_MODIFIERS):
        key = key.split(" ", 1)[1]
    return key in NAMED_KEYS or (len(key) == 1 and key.isprintable())


def check(command: str, keys: list[str]) -> None:
    """Refuse a binding that could never fire.

    Raises:
        ValueError: no such command, no keys, or a key urwid never reports
            (``f55``), naming it.
    """
    if command not in KEY_BINDINGS:
        known = ", ".join(name.lower() for name in KEY_BINDINGS)
        raise ValueError(f"no such key command: {command.lower()!r} (known: {known})")
    if not keys or not all(isinstance(key, str) and key for key in keys):
        raise ValueError(f"{command.lower()}: give a list of key names")
    for key in keys:
        if not is_key_name(key):
            raise ValueError(
                f"{command.lower()}: no such key {key!r} (urwid key names such "
                "as 'f5', 'ctrl r', 'meta >', 'page up')"
            )


def rebind(command: str, keys: list[str]) -> list[str]:
    """Bind ``command`` to ``keys`` instead (the settings file's ``[keys]``).

    Returns the keys it had, so a caller can put them back.

    Raises:
        ValueError: no such command, or no keys given.
    """
    if command not in KEY_BINDINGS:
        raise ValueError(f"no such key command: {command!r}")
    if not keys or not all(isinstance(key, str) and key for key in keys):
        raise ValueError(f"{command}: give a list of key names")
    previous = KEY_BINDINGS[command]["keys"]
    KEY_BINDINGS[command]["keys"] = list(keys)
    return previous


def keys_for(command: str) -> list[str]:
    """The keys bound to ``command``, for help texts."""
    return list(KEY_BINDINGS[command]["keys"])


def help_lines() -> list[str]:
    """One line per binding, as the client's ``/help`` shows them (the
    commands follow, see :mod:`.helptext`)."""
    lines = []
    for binding in KEY_BINDINGS.values():
        keys = ", ".join(binding["keys"])
        lines.append(f"{keys:<18} {binding['help_text']}")
    lines.append(f"{'mouse wheel':<18} Scroll the log")
    return lines
