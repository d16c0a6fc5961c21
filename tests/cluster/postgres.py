"""A throwaway PostgreSQL for cluster search's tests: one per test session.

The first test that asks (:func:`session_postgres`) makes a cluster with
Debian's ``initdb`` in a temporary directory and starts it with
``pg_ctl`` (which waits until it accepts connections), listening on a
Unix socket in that directory only (no TCP port to collide with another
test run); it is stopped and removed when the test process exits. Each
test then gets a database of its own (:meth:`TestPostgres.new_database`,
tens of milliseconds), so tests never see each other's index.

PostgreSQL refuses to run as root: as root the cluster is made and run as
the ``postgres`` user (which Debian's package creates; ``nobody``
otherwise) through ``runuser``. Durability is off (``fsync``,
``synchronous_commit``): nothing here must survive a crash.

Without PostgreSQL the tests are skipped with :data:`NO_POSTGRES`, unless
``CHATROOM_REQUIRE_REDIS`` (CI) asks for a failure instead; ``make test``
installs Debian's ``postgresql`` first where it can.
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile

import psycopg

#: The directory of Debian's server programs (not on the PATH), newest
#: version first; or wherever ``initdb`` is on the PATH.
_FOUND = sorted(
    glob.glob("/usr/lib/postgresql/*/bin/initdb"),
    key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    reverse=True,
)
_INITDB = _FOUND[0] if _FOUND else shutil.which("initdb")
POSTGRES_BIN = os.path.dirname(_INITDB) if _INITDB else None

NO_POSTGRES = (
    "PostgreSQL is not installed (make test installs Debian's postgresql when "
    "it runs as root with apt-get; otherwise install it yourself)"
)

#: Whether a missing PostgreSQL fails the tests instead of skipping them.
REQUIRED = bool(os.environ.get("CHATROOM_REQUIRE_REDIS"))

#: The database superuser the tests connect as.
USER = "chatroom"


class TestPostgres:
    """One PostgreSQL cluster in a temporary directory, started and stopped."""

    def __init__(self) -> None:
        assert POSTGRES_BIN is not None
        self.directory = tempfile.mkdtemp(prefix="chatroom-pg-")
        self.data = os.path.join(self.directory, "data")
        self._as: list[str] = []
        if os.geteuid() == 0:
            owner = _unprivileged_user()
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", owner.pw_name, "--"]
        self._numbers = itertools.count(1)
        self._run(
            "initdb", "-D", self.data, "-A", "trust", "-U", USER, "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = (
            f"-k {self.directory} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        log = os.path.join(self.directory, "log")
        self._run("pg_ctl", "-D", self.data, "-l", log, "-w", "-o", options, "start")

    def _run(self, program: str, *args: str) -> None:
        """Run one of PostgreSQL's programs (as its user); its output is
        shown only if it fails."""
        assert POSTGRES_BIN is not None
        command = [*self._as, os.path.join(POSTGRES_BIN, program), *args]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed:\n{done.stdout}{done.stderr}")

    def conninfo(self, database: str) -> str:
        """How the server under test reaches ``database`` (``--search-db``)."""
        return f"host={self.directory} user={USER} dbname={database}"

    def new_database(self) -> str:
        """A new, empty database: its connection string."""
        name = f"test_{next(self._numbers)}"
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.conninfo(name)

    def stop(self) -> None:
        """Stop it at once (nothing is kept) and remove its directory."""
        try:
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("no user to run PostgreSQL as (it refuses root)")


_SESSION: list[TestPostgres] = []


def session_postgres() -> TestPostgres:
    """The test session's PostgreSQL, started on first use."""
    if not _SESSION:
        _SESSION.append(TestPostgres())
        atexit.register(_SESSION[0].stop)
    return _SESSION[0]
