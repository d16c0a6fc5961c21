"""Real file systems a test makes and removes itself: small, full, read-only.

A tmpfs mounted on a fresh directory gives a file system that really
fills (``ENOSPC``) or really refuses writes (``EROFS``), for the real
server to meet. Mounting needs root (or ``CAP_SYS_ADMIN``): elsewhere the
tests that need it are skipped with the reason, unless
``CHATROOM_REQUIRE_TOOLS`` is set (CI sets it): then they fail.
"""

from __future__ import annotations

import errno
import os
import subprocess
import tempfile

from twisted.trial import unittest


def mounted_tmpfs(case: unittest.TestCase, size: str, read_only: bool = False) -> str:
    """A tmpfs of ``size`` (``2m``) on a new directory, unmounted after ``case``."""
    where = tempfile.mkdtemp(prefix="chatroom-tmpfs-")
    options = f"size={size},mode=0755" + (",ro" if read_only else "")
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "chatroom-test", where],
            capture_output=True,
            text=True,
            check=False,
        )
        problem = mounted.stderr.strip() if mounted.returncode else ""
    except OSError as missing:
        problem = str(missing)
    if problem:
        os.rmdir(where)
        reason = f"cannot mount a tmpfs here (needs root): {problem}"
        if os.environ.get("CHATROOM_REQUIRE_TOOLS"):
            raise AssertionError(f"{reason}; CHATROOM_REQUIRE_TOOLS is set")
        raise unittest.SkipTest(reason)
    case.addCleanup(os.rmdir, where)
    # Lazy: a server the test killed may still be letting go of its files.
    case.addCleanup(subprocess.run, ["umount", "--lazy", where], check=True)
    return where


def unwritable_directory(case: unittest.TestCase) -> str:
    """A directory nothing can be created in: read-only for root (who ignores
    permission bits), mode 0555 for anyone else."""
    if os.geteuid() == 0:
        return mounted_tmpfs(case, "1m", read_only=True)
    where = tempfile.mkdtemp(prefix="chatroom-readonly-")
    os.chmod(where, 0o555)
    case.addCleanup(os.rmdir, where)
    case.addCleanup(os.chmod, where, 0o755)
    return where


def fill(path: str) -> int:
    """Write ``path`` until its file system has no byte left; its size."""
    written = 0
    with open(path, "wb", buffering=0) as filler:
        for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
            while True:
                try:
                    written += filler.write(b"\0" * chunk)
                except OSError as full:
                    if full.errno != errno.ENOSPC:
                        raise
                    break
    return written
