"""Input-line helpers with no urwid in them: history, completion, readline edits.

Each edit is a plain function of (text, cursor) returning the new (text,
cursor), named by the key command that triggers it, so the bindings stay
data (:mod:`chatroom.client.keys`) and the edits are tested without a screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from chatroom.client.shortcodes import matching
from chatroom.wire.commands import COMMANDS as SERVER_COMMANDS
from chatroom.wire.commands import SETTINGS, Command

Edit = Callable[[str, int], tuple[str, int]]

#: The client's own commands, beside the server's (the wire table's):
#: handled by the controller, never sent as they are.
CLIENT_COMMANDS: dict[str, Command] = {
    "query": Command("query", "USER [TEXT]"),  # a private conversation, shown
    "part": Command("part", "[ROOM]"),  # /leave, as IRC clients call it
    "upload": Command("upload", "PATH"),  # a file, shared where typed
    "clear": Command("clear"),  # the buffer on screen, emptied
}

#: Every command Tab completes: the server's and the client's, ``/``-led.
COMMANDS = tuple(sorted(f"/{name}" for name in {**SERVER_COMMANDS, **CLIENT_COMMANDS}))


def _word_start(text: str, cursor: int, is_part: Callable[[str], bool]) -> int:
    """Where the word before the cursor starts (skipping what is not a word)."""
    start = cursor
    while start > 0 and not is_part(text[start - 1]):
        start -= 1
    while start > 0 and is_part(text[start - 1]):
        start -= 1
    return start


def _word_end(text: str, cursor: int) -> int:
    end = cursor
    while end < len(text) and not text[end].isalnum():
        end += 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return end


def _not_space(character: str) -> bool:
    return not character.isspace()


#: Readline's editing commands (Emacs mode), by key command name.
EDITS: dict[str, Edit] = {
    "LINE_START": lambda text, cursor: (text, 0),
    "LINE_END": lambda text, cursor: (text, len(text)),
    "KILL_TO_START": lambda text, cursor: (text[cursor:], 0),
    "KILL_TO_END": lambda text, cursor: (text[:cursor], cursor),
    # Ctrl-W (unix-word-rubout) cuts back to whitespace, Alt-Backspace
    # (backward-kill-word) only to the start of the alphanumeric word.
    "KILL_WORD": lambda text, cursor: (
        text[: (start := _word_start(text, cursor, _not_space))] + text[cursor:],
        start,
    ),
    "KILL_WORD_PART": lambda text, cursor: (
        text[: (start := _word_start(text, cursor, str.isalnum))] + text[cursor:],
        start,
    ),
    "WORD_BACK": lambda text, cursor: (text, _word_start(text, cursor, str.isalnum)),
    "WORD_FORWARD": lambda text, cursor: (text, _word_end(text, cursor)),
    "TRANSPOSE": lambda text, cursor: transpose(text, cursor),
}

#: The edits that cut text (what they cut is kept for ``YANK``).
KILLS = frozenset({"KILL_TO_START", "KILL_TO_END", "KILL_WORD", "KILL_WORD_PART"})


def transpose(text: str, cursor: int) -> tuple[str, int]:
    """Readline's transpose-chars (Ctrl-T): swap the characters around the
    cursor and move past them; at the end of the line, the last two."""
    if len(text) < 2 or cursor == 0:
        return text, cursor
    at = min(cursor, len(text) - 1)
    swapped = text[: at - 1] + text[at] + text[at - 1] + text[at + 1 :]
    return swapped, at + 1


class KillRing:
    """The text the last kill cut, for Ctrl-Y to put back (readline's yank).

    Kills in a row add up, as in readline: Ctrl-W twice yanks both words.
    A kill is remembered only if the line carried no password (the caller
    says so); nothing is ever written anywhere.
    """

    def __init__(self) -> None:
        self.text = ""
        self._in_a_row = False

    def killed(self, before: tuple[str, int], after: tuple[str, int]) -> None:
        """Remember what a kill edit cut, given the line before and after it."""
        (old, old_cursor), (new, new_cursor) = before, after
        cut = old[new_cursor : new_cursor + len(old) - len(new)]
        if not cut:
            return
        if not self._in_a_row:
            self.text = cut
        elif new_cursor < old_cursor:
            self.text = cut + self.text  # cut backwards: it came before
        else:
            self.text += cut
        self._in_a_row = True

    def other_key(self) -> None:
        """A key that is not a kill: the next kill starts afresh."""
        self._in_a_row = False

    def forget(self) -> None:
        """Drop what was cut (it may have been part of a password)."""
        self.text = ""
        self._in_a_row = False

    def yank(self, text: str, cursor: int) -> tuple[str, int]:
        """The line with the cut text put back at the cursor, after it."""
        return text[:cursor] + self.text + text[cursor:], cursor + len(self.text)


def completion_candidates(
    text: str,
    start: int,
    in_room: bool,
    rooms: Sequence[str],
    members: Sequence[str],
    users: Sequence[str],
) -> tuple[list[str], str]:
    """What the word starting at ``start`` may complete to, and what follows it.

    Commands after ``/``; room names after ``/join`` and ``/delete`` (and
    at the start of a lobby line, where a name joins or creates a room);
    every user seen after ``/msg``; the settings after ``/set``; in a room,
    members first (so ``/kick``, ``/op``, ``/invite`` ... complete them),
    and a name at the start of the line is addressed (``name: ``).
    """
    words = text[:start].split()
    if not words:
        if text.startswith("/"):
            return list(COMMANDS), " "
        if not in_room:
            return list(rooms), " "
        return _unique([*members, *users]), ": "
    if len(words) == 1:
        command = words[0].lower()
        if command in ("/join", "/delete", "/create", "/focus"):
            return list(rooms), " "
        if command in ("/msg", "/query"):
            return _unique([*members, *users]), " "
        if command == "/watch":
            return ["on", "off"], ""
        if command == "/set":
            return list(SETTINGS), " "
    return _unique([*members, *users]), " "


def _unique(names: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(names))


class InputHistory:
    """Earlier lines, recalled with Up/Down like a shell.

    The line being typed when recall starts is kept as a draft and comes
    back when the user moves past the newest entry, so nothing typed is lost.
    """

    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self.lines: list[str] = []
        self._index: int | None = None  # None: not recalling
        self._draft = ""

    def add(self, line: str) -> None:
        """Remember a sent line (not blank ones, not a repeat of the last)."""
        self._index = None
        if line.strip() and (not self.lines or self.lines[-1] != line):
            self.lines.append(line)
            del self.lines[: -self.limit]

    def previous(self, current: str) -> str | None:
        """The line before the one shown, or None when there is none."""
        if not self.lines:
            return None
        if self._index is None:
            self._draft = current
            self._index = len(self.lines)
        if self._index == 0:
            return None
        self._index -= 1
        return self.lines[self._index]

    def next(self) -> str | None:
        """The line after the one shown (the draft after the newest)."""
        if self._index is None:
            return None
        self._index += 1
        if self._index >= len(self.lines):
            self._index = None
            return self._draft
        return self.lines[self._index]


class NameCompleter:
    """Tab completion of commands, rooms, names and emoji; repeated Tab
    cycles the candidates.

    A word that starts with ``:`` is an emoji's shortcode being typed
    (:mod:`.shortcodes`): Tab puts in the emoji of the best one, and again,
    the next; :attr:`showing` says which shortcode that is."""

    def __init__(self) -> None:
        self._cycle: list[str] = []
        #: What each of the cycle's candidates is, for :attr:`showing`
        #: (``🍵 :tea:``); empty for names, which show themselves.
        self._shortcodes: list[str] = []
        self._position = 0
        self._start = 0
        self._tail = ""
        self._suffix = " "
        self._last_result: tuple[str, int] | None = None

    def reset(self) -> None:
        """Forget the cycle (any key other than Tab does this)."""
        self._last_result = None

    @property
    def showing(self) -> str:
        """The emoji Tab put in, by its shortcode, and how many others Tab
        goes on to (``""`` when the cycle is not of emoji)."""
        if self._last_result is None or not self._shortcodes:
            return ""
        shown = f"{self._cycle[self._position]} {self._shortcodes[self._position]}"
        if len(self._cycle) == 1:
            return shown
        return f"{shown} ({self._position + 1} of {len(self._cycle)}, Tab: next)"

    def complete(
        self,
        text: str,
        cursor: int,
        candidates: Callable[[int], tuple[Sequence[str], str]],
    ) -> tuple[str, int] | None:
        """The new (text, cursor) after Tab, or None when nothing matches.

        The word before the cursor is completed from ``candidates(start)``
        (the names that fit there, and the suffix to add after one: ``": "``
        for a name addressed at the start of a line, as IRC clients do),
        or, when it starts with ``:``, to an emoji.
        """
        if self._last_result == (text, cursor) and self._cycle:
            self._position = (self._position + 1) % len(self._cycle)
        else:
            start = cursor
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            word = text[start:cursor]
            if not word:
                return None
            if word.startswith(":"):
                emoji = matching(word[1:].rstrip(":"))
                self._cycle = [character for _, character in emoji]
                self._shortcodes = [f":{name}:" for name, _ in emoji]
                self._suffix = " "
            else:
                names, self._suffix = candidates(start)
                prefix = word.casefold()
                self._cycle = sorted(
                    (name for name in names if name.casefold().startswith(prefix)),
                    key=str.casefold,
                )
                self._shortcodes = []
            if not self._cycle:
                return None
            self._start = start
            self._position = 0
            self._tail = text[cursor:]
        name = self._cycle[self._position]
        head = text[: self._start] + name + self._suffix
        result = (head + self._tail, len(head))
        self._last_result = result
        return result
