"""The keys of the screen that act on the log, not on the input line:
selecting a message (see :mod:`.selection`) and pasting (see
:mod:`.pasting`). :class:`LogKeys` is a part of
:class:`chatroom.client.view.ChatScreen`.
"""

from __future__ import annotations

from chatroom.client.actions import UserActions
from chatroom.client.editing import InputHistory
from chatroom.client.keys import is_command_key
from chatroom.client.logview import LogView
from chatroom.client.model import EntryKind, Page, SessionModel
from chatroom.client.pasting import pasted_lines
from chatroom.client.selection import command_for, hint, step
from chatroom.client.widgets import SecretEdit


class LogKeys:
    """Selecting a message and acting on it; pasting several lines."""

    # Set by the screen.
    model: SessionModel
    actions: UserActions
    log_view: LogView
    input: SecretEdit
    history: InputHistory

    @property
    def asking_password(self) -> bool:
        """Whether the input line is the password prompt (the screen's)."""
        raise NotImplementedError

    def _recall(self, line: str | None) -> None:
        """Put ``line`` on the input line (the screen's)."""
        raise NotImplementedError

    def _send(self) -> None:
        """Enter (the screen's)."""
        raise NotImplementedError

    def _selection_key(self, key: str) -> bool:
        """Alt-Up/Down select a message; while one is, its keys act on it
        (see :mod:`.selection`). False: the key is not the selection's."""
        chosen = self.log_view.selected
        moves = {"SELECT_PREVIOUS": -1, "SELECT_NEXT": 1}
        by = next((moves[name] for name in moves if is_command_key(name, key)), 0)
        if by and self.model.page == Page.ROOM:
            chosen = step(self.model.log, chosen, by)
            self.log_view.select(chosen, hint(chosen) if chosen else "")
            return True
        if chosen is None:
            return False
        if is_command_key("CANCEL", key):
            self.log_view.select(None)
            return True
        if chosen.kind == EntryKind.FOUND and is_command_key("OPEN_SELECTED", key):
            self.log_view.select(None)
            self.actions.show_room(chosen.target)
            return True
        line = command_for(key, chosen, self.model.own_name)
        if line == "":
            self.log_view.select(None)
            return False  # any other key does what it always does
        if line is None:
            why = "only your own messages can be edited"
            if is_command_key("UNREACT_SELECTED", key):
                why = "you have not reacted to that message"
            self.model.note(why, EntryKind.ERROR)
            return True
        self.log_view.select(None)
        typed = self.input.edit_text.strip()
        if typed and is_command_key("REPLY_SELECTED", key):
            line += typed  # the reply was being typed: it answers this line
        elif typed:
            self.history.add(typed)  # Up recalls what was there
        self._recall(line)
        return True

    def _pasted(self, text: str) -> None:
        """Pasted text: one line goes on the input line (sent if it ended
        with a line break, as Enter would); several lines are one message."""
        lines = pasted_lines(text)
        typing = self.model.page == Page.ROOM and not self.asking_password
        if len(lines) <= 1 or not typing:
            self.input.insert_text(lines[0] if lines else "")
            if typing and text.endswith(("\n", "\r")):
                self._send()
            return
        at = self.input.edit_pos
        whole = self.input.edit_text[:at] + text + self.input.edit_text[at:]
        self.input.set_edit_text("")
        self.actions.paste(whole)
