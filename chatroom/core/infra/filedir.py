"""Where uploaded files' bytes are: one directory, a file per id.

An upload is written to a temporary file in the same directory
(:meth:`FileDirectory.spool`, named ``.upload-*``) and renamed to its id
only once it is whole and accepted (:meth:`Spool.keep`): a rename within
one directory is atomic, so a file named by an id is always whole, and
anything that fails (a refusal, a disconnect halfway, a crash) leaves at
most a ``.upload-*`` file, which :meth:`Spool.discard` removes at once and
:class:`FileDirectory` clears at start-up (a crash's).

The bytes are written on the reactor thread as they arrive, as twisted.web
spools any request body; the web door reads them back with a producer
(Twisted's ``FileSender``).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from typing import IO

#: A file's id: 16 URL-safe characters (96 random bits).
ID_PATTERN = "[A-Za-z0-9_-]{16}"
_ID = re.compile(ID_PATTERN)

#: The prefix of a file still being uploaded.
SPOOL_PREFIX = ".upload-"


def is_file_id(text: str) -> bool:
    return _ID.fullmatch(text) is not None


class Spool:
    """One upload's temporary file: written as the body arrives, then kept
    under its id or discarded. twisted.web reads it as a request's
    ``content`` (``write``, ``seek``, ``read``, ``close``): closing it
    without :meth:`keep` discards it."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        handle, self.path = tempfile.mkstemp(prefix=SPOOL_PREFIX, dir=directory)
        self.file: IO[bytes] = os.fdopen(handle, "w+b")
        self.size = 0
        self.kept = False

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.file.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.file.seek(offset, whence)

    def tell(self) -> int:
        return self.file.tell()

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def keep(self, file_id: str) -> None:
        """The upload is whole and accepted: it becomes the file ``file_id``."""
        self.file.close()
        os.replace(self.path, os.path.join(self.directory, file_id))
        self.kept = True

    def discard(self) -> None:
        """Nothing of the upload stays on disk (a no-op once kept)."""
        if self.kept:
            return
        self.file.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
        self.kept = True  # nothing left either way

    close = discard


class FileDirectory:
    """The directory ``--files-dir`` names (made if missing; what a crash
    left half-uploaded is removed)."""

    def __init__(self, path: str, cache: bool = False) -> None:
        """Args:
        cache: the directory is a cluster node's cache of a shared store:
            emptied of every file too, so nothing removed while the node
            was down is served again from it.
        """
        self.path = os.path.abspath(path)
        os.makedirs(self.path, mode=0o700, exist_ok=True)
        for name in os.listdir(self.path):
            if name.startswith(SPOOL_PREFIX) or (cache and is_file_id(name)):
                os.unlink(os.path.join(self.path, name))

    def spool(self) -> Spool:
        return Spool(self.path)

    def path_of(self, file_id: str) -> str:
        if not is_file_id(file_id):
            raise ValueError(f"{file_id!r} is no file id")
        return os.path.join(self.path, file_id)

    def exists(self, file_id: str) -> bool:
        return is_file_id(file_id) and os.path.isfile(self.path_of(file_id))

    def remove(self, file_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path_of(file_id))

    def remove_if_there(self, file_id: str) -> None:
        """:meth:`remove` for any text a URL gave (not an id: nothing)."""
        if is_file_id(file_id):
            self.remove(file_id)
