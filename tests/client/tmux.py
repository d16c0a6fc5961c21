"""Running ``chatroom-urwid`` in tmux against a real ``twistd chatroom``.

Each client runs in its own tmux session on a private tmux server, at the
size and with the ``TERM`` a test asks for; what it wrote to stderr and its
exit status go to files. Waits are polls with a deadline, never fixed
sleeps. Every screen a test looks at closely is saved as a text file (a
test artefact: under pytest's temporary folder when pytest runs the tests,
see ``conftest.py``, else in the test's own folder), so a failure can be
read afterwards as the user would have seen it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from twisted.trial import unittest

from chatroom.client.pasting import QUIET_SECONDS
from tests.support import free_port

CHECKOUT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")
TWISTD = "from twisted.scripts.twistd import run; run()"

#: The sizes issue 23 checks the client at (columns, rows).
SIZES = ((100, 30), (60, 15), (200, 50))


def start_twistd(folder: Path, *options: str) -> subprocess.Popen[bytes]:
    """``twistd -n chatroom OPTIONS`` from this checkout, logging into ``folder``
    (the checkout first on the path, then what the test run's own path adds)."""
    path = os.pathsep.join(filter(None, [str(CHECKOUT), os.environ.get("PYTHONPATH")]))
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            TWISTD,
            "-n",
            "--pidfile=",
            f"--logfile={folder / 'server.log'}",
            "chatroom",
            *options,
        ],
        cwd=folder,
        env=dict(os.environ, PYTHONPATH=path),
    )


def wait_for(
    what: str, check: Callable[[], bool], timeout: float = 60.0, every: float = 0.1
) -> None:
    """Poll ``check`` (each ``every`` seconds) until it holds; fail, saying
    ``what``, after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_listening(
    server: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 60.0
) -> None:
    """Wait for ``server`` to listen on ``port``, and fail at once, with the
    end of its ``log``, if it exits first. ``timeout`` only bounds a hung
    start: a parallel suite beside irctest loads this machine ten times
    over, and twice a server's start outlasted the 20 s of :func:`wait_for`."""

    def up() -> bool:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise AssertionError(
                f"the server exited ({server.returncode}) before listening"
                f" on {port}:\n{tail}"
            )
        return listening(port)

    wait_for(f"the server to listen on {port}", up, timeout=timeout)


#: One SGR escape as ``tmux capture-pane -e`` writes them.
_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def styled_cells(row: str) -> Iterator[tuple[str, dict[str, object]]]:
    """Each character of a ``capture-pane -e`` row with the style it is
    drawn in: ``bold``, ``faint`` (bools) and ``fg`` (the SGR colour, e.g.
    ``"30"``, ``"38;5;244"``; ``""`` for the default)."""
    state: dict[str, object] = {"bold": False, "faint": False, "fg": ""}
    position = 0
    for match in _SGR.finditer(row + "\x1b[m"):
        for character in row[position : match.start()]:
            yield character, dict(state)
        position = match.end()
        codes = match.group(1).split(";") if match.group(1) else ["0"]
        while codes:
            code = codes.pop(0)
            if code == "0":
                state.update(bold=False, faint=False, fg="")
            elif code == "1":
                state["bold"] = True
            elif code == "2":
                state["faint"] = True
            elif code == "22":
                state.update(bold=False, faint=False)
            elif code in ("38", "48") and codes[:1] == ["5"]:
                number = codes[1] if len(codes) > 1 else ""
                del codes[:2]
                if code == "38":
                    state["fg"] = f"38;5;{number}"
            elif code == "39":
                state["fg"] = ""
            elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
                state["fg"] = code


#: What tmux says when a command reached a server that was exiting.
SERVER_GONE = "server exited unexpectedly"
#: How often such a command is sent before its failure counts.
TMUX_TRIES = 3


def run_tmux(socket_name: str, *arguments: str, check: bool = True) -> str:
    """One tmux command on the private server ``socket_name`` (no user
    configuration); its output. ``check``: a failure is an AssertionError."""
    assert TMUX is not None
    for _ in range(TMUX_TRIES):
        done = subprocess.run(
            [TMUX, "-L", socket_name, "-f", "/dev/null", *arguments],
            capture_output=True,
            text=True,
            check=False,
        )
        # A tmux server exits with its last session: a command sent while it
        # is going (a client that just quit was the last) reaches the dying
        # server and fails so; sent again, it starts a new server.
        if SERVER_GONE not in done.stderr:
            break
    if check and done.returncode:
        raise AssertionError(f"tmux {arguments[0]}: {done.stderr}")
    return done.stdout


class TerminalClient:
    """One ``chatroom-urwid`` in a tmux session of its own."""

    def __init__(
        self,
        case: TerminalCase,
        name: str,
        *arguments: str,
        size: tuple[int, int] = (80, 24),
        term: str | None = None,
        settings: str | None = None,
        port: int | None = None,
        session: str | None = None,
    ) -> None:
        """Args:
        arguments: after ``127.0.0.1 PORT --log-dir LOGS``.
        term: the ``TERM`` the client sees (tmux's own, ``screen``, if None).
        settings: the text of its ``client.toml``.
        port: the server's port (default: the case's; another node's, for
            a client that comes back through it).
        session: the tmux session's name (default ``name``): a client
            started again under the same ``name`` (its folder, its logs),
            once the first has exited, takes a session of its own.
        """
        self.case = case
        self.name = session or name
        self.folder = case.folder / name
        self.folder.mkdir(exist_ok=True)
        for ended in (self.folder / "stderr", self.folder / "status"):
            ended.unlink(missing_ok=True)
        self.stderr = self.folder / "stderr"
        self.status = self.folder / "status"
        self.logs = self.folder / "logs"
        if settings is not None:
            (self.folder / "chatroom").mkdir(exist_ok=True)
            (self.folder / "chatroom" / "client.toml").write_text(settings)
        client = [
            sys.executable,
            "-m",
            "chatroom.client.main",
            "127.0.0.1",
            str(port or case.port),
            "--log-dir",
            str(self.logs),
            *arguments,
        ]
        environment = f"TERM={shlex.quote(term)} " if term else ""
        command = (
            f"cd {shlex.quote(str(CHECKOUT))} && {environment}"
            f"XDG_CONFIG_HOME={shlex.quote(str(self.folder))} "
            f"XDG_STATE_HOME={shlex.quote(str(self.folder))} "
            f"{shlex.join(client)} 2>{shlex.quote(str(self.stderr))}; "
            f"echo $? >{shlex.quote(str(self.status))}"
        )
        columns, rows = size
        case.tmux(
            "new-session",
            "-d",
            "-s",
            self.name,
            "-x",
            str(columns),
            "-y",
            str(rows),
            command,
        )
        case.clients.append(self)

    def screen(self) -> str:
        """The terminal's text as tmux shows it now."""
        return self.case.tmux("capture-pane", "-p", "-t", self.name)

    def rows(self) -> list[str]:
        return self.screen().splitlines()

    def styled(self) -> list[str]:
        """The terminal's rows with their SGR escapes (``capture-pane -e``)."""
        return self.case.tmux("capture-pane", "-e", "-p", "-t", self.name).splitlines()

    def capture(self, label: str) -> str:
        """The screen now, also saved as ``NAME-LABEL.txt`` among the artefacts."""
        text = self.screen()
        self.case.artefacts.mkdir(parents=True, exist_ok=True)
        (self.case.artefacts / f"{self.name}-{label}.txt").write_text(text)
        return text

    def shows(self, text: str, timeout: float = 20.0) -> None:
        wait_for(
            f"{text!r} on {self.name}'s screen",
            lambda: text in self.screen(),
            timeout=timeout,
        )

    #: When the test last typed or pressed a key here (monotonic seconds).
    typed_at = 0.0

    def type_line(self, text: str) -> None:
        self.case.tmux("send-keys", "-t", self.name, "-l", text)
        self.case.tmux("send-keys", "-t", self.name, "Enter")
        self.typed_at = time.monotonic()

    def type(self, text: str) -> None:
        self.case.tmux("send-keys", "-t", self.name, "-l", text)
        self.typed_at = time.monotonic()

    def press(self, *keys: str) -> None:
        for key in keys:
            self.case.tmux("send-keys", "-t", self.name, key)
        self.typed_at = time.monotonic()

    def stops_typing(self) -> None:
        """Until no key was typed here for the quiet a paste without
        brackets needs (``pasting.QUIET_SECONDS``): whoever pastes stops
        typing first, and a fast test must too."""
        wait_for(
            "a quiet moment at the keyboard",
            lambda: time.monotonic() - self.typed_at > QUIET_SECONDS,
            timeout=5,
        )

    def input_line(self) -> str:
        """The input line (the screen's last row), without trailing blanks."""
        return self.rows()[-1].rstrip()

    def log(self, room: str) -> list[str]:
        """The room's lines as ``--log-dir`` kept them (date and time stripped)."""
        path = self.logs / f"{room}.log"
        if not path.exists():
            return []
        return [line[20:] for line in path.read_text().splitlines()]

    def exited_cleanly(self) -> None:
        """The client ended with status 0 and wrote nothing to stderr."""
        wait_for(f"{self.name} to exit", lambda: self.status.exists(), timeout=60)
        wait_for(f"{self.name}'s status", lambda: bool(self.status.read_text().strip()))
        self.case.assertEqual(self.stderr.read_text(), "")
        self.case.assertEqual(self.status.read_text().strip(), "0")


class TerminalCase(unittest.TestCase):
    """A private tmux server and a ``twistd chatroom`` on a free port."""

    #: Options for the server beyond its port and ``--db :memory:``.
    server_options: tuple[str, ...] = ()

    def setUp(self) -> None:
        if TMUX is None:
            if os.environ.get("CHATROOM_REQUIRE_TOOLS"):
                self.fail("tmux is missing and CHATROOM_REQUIRE_TOOLS is set")
            raise unittest.SkipTest("tmux is not installed (make test installs it)")
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        if not hasattr(self, "artefacts"):  # pytest's conftest sets it
            self.artefacts = self.folder / "screens"
        self.clients: list[TerminalClient] = []
        # A random token: an id() reused while the previous test's tmux
        # server was still exiting gave "server exited unexpectedly".
        self.socket = f"chatroom-test-{os.getpid()}-{secrets.token_hex(4)}"
        self.addCleanup(self.tmux, "kill-server", check=False)
        self.port = free_port()
        self.server: subprocess.Popen[bytes] | None = None
        self.start_server()
        self.addCleanup(self.capture_all, "last")  # before the server stops

    def capture_all(self, label: str) -> None:
        """Every client's screen, saved (at the end: what a failure left)."""
        for client in self.clients:
            if client.status.exists():
                continue  # exited: nothing on screen
            with contextlib.suppress(AssertionError):  # its session is gone
                client.capture(label)

    def tmux(self, *arguments: str, check: bool = True) -> str:
        return run_tmux(self.socket, *arguments, check=check)

    def start_server(self) -> None:
        """``twistd chatroom`` from this checkout (default flood settings
        unless the case says otherwise)."""
        self.server = start_twistd(
            self.folder,
            "--port",
            f"tcp:{self.port}:interface=127.0.0.1",
            "--db",
            ":memory:",
            *self.server_options,
        )
        self.addCleanup(self.server.kill)
        wait_listening(self.server, self.port, self.folder / "server.log")

    def stop_server(self) -> None:
        assert self.server is not None
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=15)

    def two_in(
        self, room: str, size: tuple[int, int] = (80, 24)
    ) -> tuple[TerminalClient, TerminalClient]:
        """alice creates ``room`` from her lobby, bob sees it and joins."""
        alice = TerminalClient(self, "alice", "--username", "alice", size=size)
        bob = TerminalClient(self, "bob", "--username", "bob", size=size)
        alice.shows("you are alice")
        alice.type_line(room)
        alice.shows(f"you joined {room}")
        bob.shows(room)
        bob.type_line(room)
        bob.shows(f"you joined {room}")
        return alice, bob
