"""One uploaded file's record: a value of its own, so that a decided change
(:class:`chatroom.core.model.changes.files.AddFile`) can carry it without the upload
rules of :mod:`chatroom.core.accounts.files`."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote


@dataclass(frozen=True)
class FileRecord:
    """One uploaded file: its id, the account key that uploaded it, its
    name, type and size in bytes, and when (Unix seconds)."""

    id: str
    account: str
    name: str
    type: str
    size: int
    at: float

    @property
    def path(self) -> str:
        """Its URL's path, as ``Location`` gives it (the name %-encoded)."""
        return f"/files/{self.id}/{quote(self.name, safe='')}"
