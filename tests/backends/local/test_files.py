"""Uploads' rules (chatroom.core.accounts.files) and their metadata in one process.

The contract (``tests/backends/contracts/files.py``) on the in-process registry; the
metadata kept in the ``--db`` file across a restart; the rules on a
``task.Clock`` (the upload rate, tokens' lifetime); names, types and
``Content-Disposition`` as a browser will read them; and ``--files``'
options.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

from twisted.internet import defer
from twisted.internet.task import Clock
from twisted.python import usage
from twisted.trial import unittest

from chatroom.backends.local.store import FLUSH_INTERVAL, SqliteStore
from chatroom.core.accounts.files import (
    FileRecord,
    FileService,
    UploadRefusedError,
    clean_name,
    clean_type,
    refused_types,
)
from chatroom.core.infra.filedir import FileDirectory
from chatroom.core.model.changes.base import DecidedChange
from chatroom.core.model.changes.files import (
    AccountFiles,
    AddFile,
    FileKept,
    RemoveFile,
)
from chatroom.core.model.config import ServerConfig
from chatroom.doors.web.uploads import content_disposition
from chatroom.wiring.tap import Options
from tests.backends.contracts.files import FilesContract, files_config
from tests.support import in_place, kept_account, local_server


class LocalFilesTests(FilesContract, unittest.TestCase):
    """Every reply arrives within the call that sent the line."""

    def setUp(self) -> None:
        self.clock = Clock()
        self.server = local_server(files_config(self.files_directory()), self.clock)


class StoredFilesTests(unittest.TestCase):
    """Files' metadata in the ``--db`` file outlives a restart."""

    def test_metadata_survives_a_restart(self) -> None:
        """A file recorded, flushed, and the server started again over the
        same file: the record and the account's usage are back; one
        removed before the restart stays removed."""
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        path = os.path.join(directory, "chat.sqlite3")
        config = files_config(os.path.join(directory, "chat-files"))
        clock = Clock()

        def start() -> FileService:
            store = SqliteStore(path, clock, in_place, config.retention)
            self.addCleanup(store.db.close)
            files = local_server(config, clock, store).registry.files
            assert files is not None
            return files

        files = start()
        kept = FileRecord("a" * 16, "alice", "cat.png", "image/png", 30, 1.5)
        dropped = FileRecord("b" * 16, "alice", "dog.png", "image/png", 20, 2.5)
        for record in (kept, dropped):
            added = DecidedChange(AccountFiles("alice"), (), (AddFile(record),))
            self.successResultOf(defer.ensureDeferred(files.apply(added)))
        removed = DecidedChange(
            AccountFiles("alice"), (FileKept(dropped.id),), (RemoveFile(dropped.id),)
        )
        self.successResultOf(defer.ensureDeferred(files.apply(removed)))
        clock.advance(FLUSH_INTERVAL)
        again = start()
        self.assertEqual(
            self.successResultOf(defer.ensureDeferred(again.store.get(kept.id))), kept
        )
        self.assertIsNone(
            self.successResultOf(defer.ensureDeferred(again.store.get(dropped.id)))
        )
        self.assertEqual(
            self.successResultOf(defer.ensureDeferred(again.store.usage("alice"))), 30
        )


class FileRulesTests(unittest.TestCase):
    """The rules on an injected clock, with no HTTP."""

    def setUp(self) -> None:
        self.clock = Clock()
        directory = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, directory)
        config = ServerConfig(
            files_dir=directory,
            max_upload=1000,
            upload_rate=2,
            upload_refuse_types=("text/html", "video/*"),
        )
        server = local_server(config, self.clock)
        assert server.registry.files is not None
        self.files: FileService = server.registry.files
        self.successResultOf(kept_account(server, "alice"))  # /token's

    def admit(self, account: str, size: int = 1) -> None:
        self.successResultOf(defer.ensureDeferred(self.files.admit(account, size)))
        self.files.release(account, size)

    def test_rate_per_account_on_the_clock(self) -> None:
        """Two uploads a minute: the third waits (``rate``, with the seconds
        left) until the minute has passed; another account is not slowed."""
        self.admit("alice")
        self.clock.advance(10)
        self.admit("alice")
        refused = self.failureResultOf(
            defer.ensureDeferred(self.files.admit("alice", 1)), UploadRefusedError
        )
        self.assertEqual(refused.value.kind, "rate")
        self.assertEqual(refused.value.text, "too many uploads: try again in 51 s")
        self.admit("bob")
        self.clock.advance(50)
        self.admit("alice")

    def test_size_and_type_from_the_headers(self) -> None:
        """Over ``max_upload`` is ``too_large``; a refused type, or one of a
        refused family, is ``type``; parameters and case do not matter."""
        self.files.check_announced(1000, "image/png")
        for size, kind, expected in (
            (1001, "image/png", "too_large"),
            (10, "Text/HTML; charset=utf-8", "type"),
            (10, "video/mp4", "type"),
        ):
            with self.assertRaises(UploadRefusedError) as refused:
                self.files.check_announced(size, kind)
            self.assertEqual(refused.exception.kind, expected)

    def test_tokens_expire(self) -> Any:
        """A token names its account for an hour, then nothing; a token
        nobody gave is refused from an upload's headers already."""
        return defer.ensureDeferred(self._tokens_expire())

    async def _tokens_expire(self) -> None:
        tokens = self.files.tokens
        token = await self.files.issue_token("alice")
        self.assertEqual(await tokens.account(token), "alice")
        self.assertFalse(tokens.refused_early(token))
        self.assertIsNone(await tokens.account("made-up"))
        self.assertTrue(tokens.refused_early("made-up"))
        self.clock.advance(3600)
        self.assertIsNone(await tokens.account(token))

    def test_quota_holds_uploads_in_flight(self) -> None:
        """Two uploads admitted at once count together against the quota."""
        config = ServerConfig(files_dir=self.files.directory.path, upload_quota=100)
        files = FileService(
            config,
            self.clock,
            self.files.store,
            self.files.apply,
            FileDirectory(config.files_dir),
            self.files.tokens,
        )
        self.successResultOf(defer.ensureDeferred(files.admit("alice", 60)))
        refused = self.failureResultOf(
            defer.ensureDeferred(files.admit("alice", 60)), UploadRefusedError
        )
        self.assertEqual(refused.value.kind, "quota")
        files.release("alice", 60)
        self.successResultOf(defer.ensureDeferred(files.admit("alice", 60)))

    def test_half_uploads_cleared_at_start(self) -> None:
        """What a crash left half-uploaded (``.upload-*``) is removed when
        the directory is opened again; whole files stay."""
        spool = self.files.directory.spool()
        spool.write(b"half")
        whole = os.path.join(self.files.directory.path, "c" * 16)
        with open(whole, "wb") as kept:
            kept.write(b"whole")
        FileDirectory(self.files.directory.path)
        self.assertEqual(os.listdir(self.files.directory.path), ["c" * 16])


class NamesTests(unittest.TestCase):
    """File names and types as they are kept and served."""

    def test_names_kept_safe(self) -> None:
        """Directories, quotes and control characters go; a long name keeps
        its extension; nothing is ``file``."""
        self.assertEqual(clean_name("../../etc/passwd"), "passwd")
        self.assertEqual(clean_name('C:\\Users\\a "b".png'), "a b.png")
        self.assertEqual(clean_name("bad\x00\x1bname.txt"), "badname.txt")
        self.assertEqual(clean_name(""), "file")
        long = clean_name("x" * 300 + ".jpeg")
        self.assertEqual((len(long), long[-5:]), (120, ".jpeg"))

    def test_types(self) -> None:
        """A declared type is lower-cased without parameters; garbage is
        ``application/octet-stream``."""
        self.assertEqual(clean_type("Image/PNG; x=1"), "image/png")
        self.assertEqual(clean_type("<script>"), "application/octet-stream")
        self.assertEqual(clean_type(""), "application/octet-stream")

    def test_content_disposition(self) -> None:
        """Safe images inline; anything else (SVG too) an attachment; the
        name as ASCII and exactly (RFC 6266, RFC 8187)."""
        png = FileRecord("a" * 16, "alice", "chat é.png", "image/png", 1, 0)
        svg = FileRecord("a" * 16, "alice", "x.svg", "image/svg+xml", 1, 0)
        self.assertEqual(
            content_disposition(png),
            "inline; filename=\"chat _.png\"; filename*=UTF-8''chat%20%C3%A9.png",
        )
        self.assertTrue(content_disposition(svg).startswith("attachment; "))


class FilesOptionsTests(unittest.TestCase):
    """``--files`` and its options, as ``twistd chatroom`` reads them."""

    def parsed(self, *arguments: str) -> Options:
        options = Options()
        options.parseOptions(list(arguments))
        return options

    def test_files_beside_the_db(self) -> None:
        """Without ``--files-dir`` the files go beside ``--db``:
        ``chat.sqlite3`` → ``chat-files``."""
        options = self.parsed("--http", "0", "--files", "--db", "/srv/chat.sqlite3")
        self.assertEqual(options.server_config().files_dir, "/srv/chat-files")
        self.assertEqual(self.parsed().server_config().files_dir, "")

    def test_what_cannot_work_is_refused(self) -> None:
        """``--files`` without ``--http``, with ``--db :memory:`` and no
        ``--files-dir``, or with ``--redis`` but no ``--files-db``;
        ``--files-dir`` or ``--files-db`` alone; ``--files-db`` on a single
        server or unreadable; a refused type that is no type: one line each."""
        cluster = ("--files", "--http", "0", "--redis", "redis://localhost")
        for arguments, words in (
            (("--files",), "needs --http"),
            (("--files", "--http", "0", "--db", ":memory:"), "say --files-dir"),
            (("--files-dir", "/tmp/x"), "needs --files"),
            (cluster, "in cluster mode, say --files-db"),
            (("--files-db", "dbname=chat"), "--files-db: needs --files"),
            (
                (
                    "--files",
                    "--http",
                    "0",
                    "--files-dir",
                    "/tmp/x",
                    "--files-db",
                    "x=y",
                ),
                "--files-db: needs --redis",
            ),
            ((*cluster, "--files-dir", "/tmp/x", "--files-db", "nope"), "--files-db: "),
            (("--upload-refuse-types", "html"), "no MIME type"),
        ):
            with self.assertRaises(usage.UsageError) as refused:
                self.parsed(*arguments)
            self.assertIn(words, str(refused.exception))
        self.assertEqual(refused_types(["Video/*", " "]), ("video/*",))
