"""``--log-dir``: each room's lines appended to a file of its own, as text.

A file per log the screen keeps (``tea.log`` for a room, ``lobby.log``,
``carol+private.log`` for a private conversation), one line per entry
with the date and time (local), so ``grep``, ``tail`` and ``less`` read
them and they survive the client. Room names carry only letters, digits,
``_``, ``-`` and ``.``, and files are named after the room's folded name,
so ``Tea`` and ``tea`` share one file and no name can point outside the
folder. A file name holds nothing a shell treats specially (``#tea.log``
was a comment to ``tail``); the one room that would share the lobby's
file, ``lobby``, is ``lobby+room.log`` (``+`` is in no room name).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TextIO

from chatroom.client.entries import Change, EntryKind, LogEntry
from chatroom.client.model import SessionModel
from chatroom.client.widgets import plain_text


def file_name(log_key: str) -> str | None:
    """The file for a :func:`chatroom.client.model.log_key`; None: not kept."""
    if log_key.startswith("room:"):
        room = log_key.removeprefix("room:")
        return "lobby+room.log" if room == "lobby" else f"{room}.log"
    if log_key == "lobby":
        return "lobby.log"
    if log_key.startswith("private:"):
        return f"{log_key.removeprefix('private:')}+private.log"
    return None


class RoomLogger:
    """Appends every line the model adds to the file of the log it is in."""

    def __init__(self, model: SessionModel, directory: Path) -> None:
        """Raises:
        OSError: the folder cannot be made or written to (main says so
            and exits before the screen opens).
        """
        self.model = model
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied", str(directory))
        self._files: dict[str, TextIO] = {}
        model.subscribe(self._changed)

    def _changed(self, change: Change, entry: LogEntry | None) -> None:
        if change not in (Change.LOG, Change.LOG_ELSEWHERE, Change.LOG_SAID):
            return
        if entry is None or entry.kind == EntryKind.HELP or entry.pending:
            return  # a line not yet said is filed once it is, as its copy
        name = file_name(self.model.logs.filed_in)
        if name is None:
            return
        output = self._files.get(name)
        if output is None:
            output = self._files[name] = open(  # noqa: SIM115 (kept open)
                self.directory / name, "a", encoding="utf-8"
            )
        moment = entry.time if entry.time is not None else time.time()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(moment))
        # A paste's lines (and a line's reactions) under it, indented.
        text = plain_text(entry).replace("\n", "\n" + " " * (len(stamp) + 1))
        output.write(f"{stamp} {text}\n")
        output.flush()

    def close(self) -> None:
        """Close the files (at exit)."""
        for output in self._files.values():
            output.close()
        self._files.clear()
