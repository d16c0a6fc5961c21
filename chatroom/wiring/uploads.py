"""``twistd chatroom``'s options for uploads (``--files`` and its limits).

The options' rows (:data:`FILES_OPTIONS`, :data:`FILES_FLAG`), and
:func:`check_files`, which settles where the files go (``--files-dir``,
else a directory beside ``--db``) and refuses, in one line, what cannot
work: uploads without ``--http``, with ``--db :memory:`` and no
``--files-dir``, and in cluster mode without ``--files-db``, the
PostgreSQL that keeps the bytes every node serves (docs/scaling.md,
*Files*; each node's ``--files-dir`` is then its cache of them).
"""

from __future__ import annotations

import os
from typing import Any

from twisted.python import usage

from chatroom.core.accounts.files import refused_types
from chatroom.core.model.config import ServerConfig
from chatroom.wiring.cli import check_conninfo, number

FILES_FLAG = [
    "files",
    None,
    "Let accounts upload files at the --http door (POST /upload) and share "
    "them as links (see docs/operations.md, Files).",
]

FILES_OPTIONS: list[list[Any]] = [
    [
        "files-dir",
        None,
        "",
        "Where uploaded files are kept (with --files; default: a directory "
        "beside --db, e.g. chatroom-files for chatroom.sqlite3).",
    ],
    [
        "files-db",
        None,
        None,
        "With --files in cluster mode (--redis): the PostgreSQL that keeps "
        "the files' bytes for every node, as a libpq connection string (it "
        "may be --search-db's); each node's --files-dir is then its cache.",
    ],
    [
        "max-upload",
        None,
        ServerConfig.max_upload,
        "The largest upload, in bytes (larger ones are refused 413).",
        number(int, 1, "--max-upload"),
    ],
    [
        "upload-quota",
        None,
        ServerConfig.upload_quota,
        "Bytes one account's files may take in all (0: no quota).",
        number(int, 0, "--upload-quota"),
    ],
    [
        "upload-rate",
        None,
        ServerConfig.upload_rate,
        "Uploads one account may make per minute (0: no limit).",
        number(int, 0, "--upload-rate"),
    ],
    [
        "upload-refuse-types",
        None,
        "",
        "Comma-separated types refused (415), e.g. text/html,video/*.",
    ],
]

#: What a cluster node without --files-db says of --files.
NO_CLUSTER_FILES = (
    "--files: in cluster mode, say --files-db: the PostgreSQL that keeps the "
    "files' bytes for every node (see docs/operations.md, Files)"
)


def check_files(options: Any) -> None:
    """Settle ``files-dir`` ("" while uploads are off) and
    ``upload-refuse-types``; a usage error for what cannot work."""
    try:
        options["upload-refuse-types"] = refused_types(
            options["upload-refuse-types"].split(",")
        )
    except ValueError as problem:
        raise usage.UsageError(f"--upload-refuse-types: {problem}") from None
    if not options["files"]:
        for given in ("files-dir", "files-db"):
            if options[given]:
                raise usage.UsageError(f"--{given}: needs --files")
        return
    if options["redis"] is None and options["files-db"]:
        raise usage.UsageError(
            "--files-db: needs --redis (a single server keeps its files in --files-dir)"
        )
    if options["redis"] is not None and not options["files-db"]:
        raise usage.UsageError(NO_CLUSTER_FILES)
    if options["files-db"]:
        check_conninfo("--files-db", options["files-db"])
    if options["http"] is None:
        raise usage.UsageError("--files: needs --http (uploads are HTTP requests)")
    if not options["files-dir"]:
        db = options["db"]
        if db == ":memory:":
            raise usage.UsageError("--files: with --db :memory:, say --files-dir")
        stem = os.path.splitext(os.path.basename(db))[0] or "chatroom"
        options["files-dir"] = os.path.join(
            os.path.dirname(os.path.abspath(db)), f"{stem}-files"
        )
