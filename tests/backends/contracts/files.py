"""Uploaded files' metadata and what a shared file does, for every registry.

:class:`FilesContract` drives real :class:`LineProtocol` connections (over
``StringTransport``) and the registry's
:class:`~chatroom.core.accounts.files.FileService` (what ``POST /upload`` calls once
a body is on disk): a file is recorded under its account, a message
carrying its URL is tagged for ``rich`` members and plain for others, a
redaction takes the author's file (metadata and bytes), and quotas count
what is left. It runs against the in-process registry
(``tests/backends/local/test_files.py``) and the Redis one on a real redis-server
(``tests/backends/redis/test_files.py``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Generator
from typing import Any

from twisted.internet import defer

from chatroom.core.accounts.files import FileRecord, FileService, UploadRefusedError
from chatroom.core.model.changes.base import DecidedChange, PremiseFailedError
from chatroom.core.model.changes.files import (
    AccountFiles,
    AddFile,
    FileKept,
    RemoveFile,
)
from chatroom.core.model.config import ServerConfig
from tests.backends.contracts.handler import ContractBase, User
from tests.backends.contracts.moderation import PASSWORD


def files_config(directory: str) -> ServerConfig:
    """Uploads on in ``directory``; a quota of 100 bytes."""
    return ServerConfig(rate=0, files_dir=directory, upload_quota=100)


class FilesContract(ContractBase):
    """Subclasses mix in a TestCase and provide ``server`` (with
    :func:`files_config`'s uploads)."""

    def files_directory(self) -> str:
        """A directory of the test's own for its files."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        return directory

    @property
    def files(self) -> FileService:
        files = self.server.registry.files
        assert files is not None
        return files

    @defer.inlineCallbacks
    def registered(self, name: str, *caps: str) -> Generator[Any, Any, User]:
        """``name`` registered and in ``general`` (with ``caps`` on)."""
        user = yield self.connect(name)
        if caps:
            user.say(f"/caps {' '.join(caps)}")
            yield self.expect(user, "CAPS")
        user.say(f"/register {PASSWORD}")
        yield self.expect(user, "REGISTERED")
        user.say("/join general")
        yield self.expect(user, "JOINED general")
        return user

    @defer.inlineCallbacks
    def uploaded(
        self, account: str, data: bytes, name: str = "cat.png"
    ) -> Generator[Any, Any, FileRecord]:
        """What ``POST /upload`` does once the body is spooled."""
        spool = self.files.directory.spool()
        spool.write(data)
        try:
            record = yield defer.ensureDeferred(
                self.files.accept(account, spool, name, "image/png")
            )
        finally:
            spool.discard()
        return record

    @defer.inlineCallbacks
    def redacted(self, user: User, name: str, text: str) -> Generator[Any, Any, None]:
        """``user`` (``name``, rich, in general) says ``text``, then redacts it."""
        user.say(text)
        line = yield self.expect(user, "@")
        while f" MSG general {name} " not in line:
            line = yield self.expect(user, "@")
        user.say(f"/redact {line[1:].split(';')[0].split(' ')[0]}")

    def on_disk(self) -> list[str]:
        return sorted(os.listdir(self.files.directory.path))

    @defer.inlineCallbacks
    def test_recorded_and_read_back(self) -> Generator[Any, Any, None]:
        """An upload is recorded with its account, name, type and size, its
        bytes under its id; the account's usage is its size."""
        yield self.registered("alice")
        record = yield self.uploaded("alice", b"x" * 40, "cat.png")
        found = yield defer.ensureDeferred(self.files.store.get(record.id))
        self.assertEqual(found, record)
        self.assertEqual(
            (found.account, found.name, found.type, found.size),
            ("alice", "cat.png", "image/png", 40),
        )
        self.assertEqual(self.on_disk(), [record.id])
        usage = yield defer.ensureDeferred(self.files.store.usage("alice"))
        self.assertEqual(usage, 40)

    @defer.inlineCallbacks
    def test_shared_file_tagged_for_rich_members(self) -> Generator[Any, Any, None]:
        """A message carrying a file's URL is the same MSG for a plain member
        and, for a rich one, tagged with the file's name, type and size."""
        alice = yield self.registered("alice")
        bob = yield self.registered("bob", "rich")
        carol = yield self.registered("carol")
        record = yield self.uploaded("alice", b"x" * 12)
        url = f"http://chat.example{record.path}"
        alice.say(f"see {url}")
        plain = yield self.expect(carol, "MSG general alice ")
        self.assertTrue(plain.endswith(f" see {url}"), plain)
        rich = yield self.expect(bob, "MSG general alice ")
        tags = rich.split(" ", 1)[0].split(";")[1:]
        self.assertEqual(
            tags, ["file-name=cat.png", "file-type=image/png", "file-size=12"]
        )

    @defer.inlineCallbacks
    def test_redaction_takes_the_authors_file(self) -> Generator[Any, Any, None]:
        """alice redacts her message: her file goes (metadata and bytes);
        bob's message carrying alice's URL, redacted, takes nothing."""
        alice = yield self.registered("alice", "rich")
        bob = yield self.registered("bob", "rich")
        kept = yield self.uploaded("alice", b"k" * 10, "kept.png")
        yield self.redacted(bob, "bob", f"look {kept.path}")
        gone = yield self.uploaded("alice", b"g" * 10, "gone.png")
        yield self.redacted(alice, "alice", f"mine {gone.path}")
        for _ in range(100):
            if (yield defer.ensureDeferred(self.files.store.get(gone.id))) is None:
                break
            yield self.wait()
        self.assertIsNone((yield defer.ensureDeferred(self.files.store.get(gone.id))))
        self.assertEqual(self.on_disk(), [kept.id])
        usage = yield defer.ensureDeferred(self.files.store.usage("alice"))
        self.assertEqual(usage, 10)

    @defer.inlineCallbacks
    def test_the_quota_holds_when_another_node_recorded_first(
        self,
    ) -> Generator[Any, Any, None]:
        """An upload admitted while 40 of the 100 bytes were taken; before
        it is recorded, another node records 50 more for the same account
        (the store's usage is all this node cannot see): its record rests
        on the usage being at most 100 less its 60 bytes, so it is refused
        (``quota``), nothing of it stays, and the usage is the other
        node's 90."""
        yield self.registered("alice")
        yield self.uploaded("alice", b"a" * 40)
        spool = self.files.directory.spool()
        spool.write(b"b" * 60)
        admitted = self.files.admit

        async def then_another_node(account: str, size: int) -> None:
            await admitted(account, size)
            elsewhere = FileRecord("x" * 16, "alice", "far.png", "image/png", 50, 0.0)
            added = DecidedChange(AccountFiles("alice"), (), (AddFile(elsewhere),))
            await self.files.apply(added)

        self.files.admit = then_another_node  # type: ignore[method-assign]
        try:
            with self.assertRaises(UploadRefusedError) as refused:
                yield defer.ensureDeferred(
                    self.files.accept("alice", spool, "late.png", "image/png")
                )
        finally:
            spool.discard()
            del self.files.admit
        self.assertEqual(refused.exception.kind, "quota")
        self.assertIn("and 10 bytes is left", str(refused.exception))
        self.assertEqual(len(self.on_disk()), 1)
        usage = yield defer.ensureDeferred(self.files.store.usage("alice"))
        self.assertEqual(usage, 90)

    @defer.inlineCallbacks
    def test_quota_counts_what_is_left(self) -> Generator[Any, Any, None]:
        """60 + 60 bytes exceed the 100-byte quota (``quota``, nothing kept);
        removed by its uploader, the first no longer counts."""
        yield self.registered("alice")
        first = yield self.uploaded("alice", b"a" * 60)
        with self.assertRaises(UploadRefusedError) as refused:
            yield self.uploaded("alice", b"b" * 60)
        self.assertEqual(refused.exception.kind, "quota")
        self.assertEqual(self.on_disk(), [first.id])
        with self.assertRaises(UploadRefusedError) as forbidden:
            yield defer.ensureDeferred(self.files.remove(first.id, "bob", False))
        self.assertEqual(forbidden.exception.kind, "forbidden")
        yield defer.ensureDeferred(self.files.remove(first.id, "alice", False))
        self.assertEqual(
            (yield defer.ensureDeferred(self.files.store.usage("alice"))), 0
        )
        second = yield self.uploaded("alice", b"b" * 60)
        self.assertEqual(self.on_disk(), [second.id])

    @defer.inlineCallbacks
    def test_a_file_removed_meanwhile_is_removed_once(
        self,
    ) -> Generator[Any, Any, None]:
        """A removal applied after another removed the file is refused
        naming :class:`FileKept`, and the usage counts what is left; a
        removal decided on the record as read, raced by another (a second
        node's), answers its uploader ``not_found``, counting it once."""
        yield self.registered("alice")
        first = yield self.uploaded("alice", b"a" * 30)
        second = yield self.uploaded("alice", b"b" * 20)
        change = DecidedChange(
            AccountFiles("alice"), (FileKept(first.id),), (RemoveFile(first.id),)
        )
        yield defer.ensureDeferred(self.files.apply(change))
        with self.assertRaises(PremiseFailedError) as refused:
            yield defer.ensureDeferred(self.files.apply(change))
        self.assertIsInstance(refused.exception.premise, FileKept)
        self.assertEqual(
            (yield defer.ensureDeferred(self.files.store.usage("alice"))), 20
        )
        apply = self.files.apply

        async def raced(change: DecidedChange) -> None:
            await apply(change)  # the other node's removal, first
            await apply(change)

        self.files.apply = raced
        try:
            with self.assertRaises(UploadRefusedError) as gone:
                yield defer.ensureDeferred(self.files.remove(second.id, "alice", False))
        finally:
            del self.files.apply
        self.assertEqual(gone.exception.kind, "not_found")
        self.assertEqual(
            (yield defer.ensureDeferred(self.files.store.usage("alice"))), 0
        )
