"""Another git revision of this repository, built to run beside the checkout.

``--against REV`` (:mod:`chatroom.bench.against`) starts REV's servers in
turn with the checkout's. REV is exported with ``git archive`` into
``build/against/COMMIT/tree`` of the checkout (never into its tracked
files) and installed, with its dependencies, into a virtualenv of its own,
``build/against/COMMIT/venv``, made from the benchmark's interpreter.

That virtualenv sees the packages of the benchmark's own environment (one
``.pth`` line), so ``pip install`` adds only what REV needs and that
environment lacks: both sides run on the same Twisted and libraries unless
REV asks for others, and what differs between them is the code. A server of
REV runs that venv's interpreter with REV's tree first on its path
(:class:`~chatroom.bench.servers.ServerCode`), ``twistd chatroom`` being
REV's own plugin.

A build is made once per commit and reused: its ``built`` stamp is written
last, so a build that stopped halfway is made again, and a lock keeps two
benchmarks from building one commit at once. A failed build leaves its
``build.log`` and says so in one line. ``make clean`` removes them all.
"""

from __future__ import annotations

import fcntl
import io
import shutil
import site
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from chatroom.bench.errors import BenchError
from chatroom.bench.servers import PROJECT_ROOT, ServerCode, child_env, twistd_argv

#: Longest a build step may take (pip fetching what the environment lacks).
STEP_TIMEOUT = 900.0


@dataclass(frozen=True)
class Revision:
    """A built revision: what was asked for, its commit and how to run it."""

    rev: str
    commit: str
    code: ServerCode


def builds_dir(root: Path = PROJECT_ROOT) -> Path:
    """Where the checkout at ``root`` keeps its builds of other revisions."""
    return root / "build" / "against"


def _git(root: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *arguments],
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchError(f"cannot run git in {root}: {error}") from None


def commit_of(rev: str, root: Path = PROJECT_ROOT) -> str:
    """The full hash of the commit ``rev`` names in the checkout at ``root``."""
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if found.returncode:
        raise BenchError(f"cannot build {rev}: not a commit of the checkout {root}")
    return found.stdout.strip()


def describe_checkout(root: Path = PROJECT_ROOT) -> dict[str, object]:
    """The working tree's commit, and whether tracked files differ from it."""
    head = commit_of("HEAD", root)
    changes = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {
        "commit": head,
        "uncommitted_changes": bool(changes.stdout.strip()),
        "root": str(root),
    }


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` for the ``with`` block."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_revision(rev: str, root: Path = PROJECT_ROOT) -> Revision:
    """``rev`` of the checkout at ``root``, built (or found built) to run.

    Raises :class:`BenchError`, one line naming the build's log, when it
    cannot be built or its ``twistd chatroom`` does not start.
    """
    commit = commit_of(rev, root)
    home = builds_dir(root) / commit
    code = ServerCode(str(home / "venv" / "bin" / "python"), home / "tree")
    try:
        home.parent.mkdir(parents=True, exist_ok=True)
        with _locked(home.parent / f"{commit}.lock"):
            if not (home / "built").exists():
                _Build(rev, commit, root, home, code).make()
    except OSError as error:
        raise BenchError(f"cannot build {rev} ({commit[:12]}): {error}") from None
    compile_tree(home / "tree")
    return Revision(rev, commit, code)


def compile_tree(root: Path) -> None:
    """The bytecode of the ``chatroom`` package at ``root``, written where
    it is missing or stale, whatever ``PYTHONDONTWRITEBYTECODE`` says (as
    ``make bytecode`` writes the checkout's). Both sides of a comparison
    start from bytecode, as an installed server does: a server that
    compiles its modules at start-up frees the compiler's memory, whose
    room its first clients then fill, and grew 0.2 KiB a client less in a
    connect storm (1.97 against 2.27 KiB, the same commit) than one that
    read them compiled."""
    try:
        compiling = subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(root / "chatroom")],
            capture_output=True,
            timeout=STEP_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise BenchError(f"cannot compile {root}: {error}") from None
    if compiling.returncode:
        raise BenchError(f"cannot compile {root}: {compiling.stdout[-500:]!r}")


@dataclass
class _Build:
    """The steps of one build, each logged to ``home/build.log``."""

    rev: str
    commit: str
    root: Path
    home: Path
    code: ServerCode

    @property
    def log(self) -> Path:
        return self.home / "build.log"

    def fail(self, what: str) -> NoReturn:
        raise BenchError(
            f"cannot build {self.rev} ({self.commit[:12]}): {what} (see {self.log})"
        )

    def run(self, what: str, argv: list[str], env: dict[str, str] | None = None) -> str:
        """One step in the exported tree; its output goes to the log, its
        failure to :meth:`fail` (``what`` says which step it was)."""
        with self.log.open("a") as log:
            log.write(f"$ {' '.join(argv)}\n")
            log.flush()
            try:
                done = subprocess.run(
                    argv,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    timeout=STEP_TIMEOUT,
                    env=env,
                    cwd=self.code.root,
                )
            except (OSError, subprocess.SubprocessError) as error:
                log.write(f"{error}\n")
                self.fail(what)
            log.write(done.stdout)
        if done.returncode:
            self.fail(what)
        return str(done.stdout)

    def make(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir()
        tree, venv = self.code.root, self.home / "venv"
        archive = subprocess.run(
            ["git", "-C", str(self.root), "archive", "--format=tar", self.commit],
            capture_output=True,
            timeout=STEP_TIMEOUT,
        )
        if archive.returncode:
            self.log.write_bytes(archive.stderr)
            self.fail("git archive failed")
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as exported:
            exported.extractall(tree, filter="data")
        self.run(
            "cannot make its virtualenv",
            [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        )
        packages = self.run(
            "its virtualenv has no site-packages",
            [
                self.code.python,
                "-c",
                "import sysconfig; print(sysconfig.get_path('purelib'))",
            ],
        ).strip()
        # The benchmark's environment after the venv's own packages: pip
        # installs into the venv only what that environment does not satisfy.
        Path(packages, "chatroom-bench-environment.pth").write_text(
            "".join(f"{path}\n" for path in site.getsitepackages())
        )
        self.run(
            "pip install failed",
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                self.code.python,
                "install",
                str(tree),
            ],
        )
        self.run(
            "its twistd chatroom does not start",
            twistd_argv(self.code, "chatroom", "--help"),
            env=child_env(tree),
        )
        (self.home / "built").write_text(f"{self.rev} {self.commit}\n")
