"""``chatroom-urwid`` in a real terminal (tmux) against a real ``twistd chatroom``.

These are the checks a person makes by hand: leave without a traceback,
come back into a forgotten room after a server restart, paste 30 lines.
Each client runs in its own tmux session on a private tmux server; what it
wrote to stderr and its exit status go to files. Waits are polls with a
deadline, never fixed sleeps. The server runs with its default flood
limit (1 line a second after 10), which the paste must get through.

Without tmux these tests are skipped, unless ``CHATROOM_REQUIRE_TOOLS`` is
set (CI sets it), in which case they fail: ``make test`` installs tmux.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from twisted.trial import unittest

from tests.support import free_port

CHECKOUT = Path(__file__).resolve().parents[2]
TMUX = shutil.which("tmux")
TWISTD = "from twisted.scripts.twistd import run; run()"


def start_twistd(folder: Path, *options: str) -> subprocess.Popen[bytes]:
    """``twistd -n chatroom OPTIONS`` from this checkout, logging into ``folder``."""
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
        env=dict(os.environ, PYTHONPATH=str(CHECKOUT)),
    )


def joined_twice(client: TerminalClient, room: str) -> bool:
    """The client's log of ``room`` shows it joined twice (before and after
    a restart)."""
    return client.log(room).count(f"• you joined {room}") == 2


def wait_for(what: str, check: Callable[[], bool], timeout: float = 20.0) -> None:
    """Poll ``check`` until it holds; fail, saying ``what``, after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class TerminalClient:
    """One ``chatroom-urwid`` in a tmux session of its own."""

    def __init__(self, case: TerminalTests, name: str, *arguments: str) -> None:
        self.case = case
        self.name = name
        self.folder = case.folder / name
        self.folder.mkdir()
        self.stderr = self.folder / "stderr"
        self.status = self.folder / "status"
        self.logs = self.folder / "logs"
        client = [
            sys.executable,
            "-m",
            "chatroom.client.main",
            "127.0.0.1",
            str(case.port),
            "--log-dir",
            str(self.logs),
            *arguments,
        ]
        command = (
            f"cd {shlex.quote(str(CHECKOUT))} && "
            f"XDG_CONFIG_HOME={shlex.quote(str(self.folder))} "
            f"{shlex.join(client)} 2>{shlex.quote(str(self.stderr))}; "
            f"echo $? >{shlex.quote(str(self.status))}"
        )
        case.tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", command)

    def screen(self) -> str:
        """The terminal's text as tmux shows it now."""
        return self.case.tmux("capture-pane", "-p", "-t", self.name)

    def shows(self, text: str, timeout: float = 20.0) -> None:
        wait_for(f"{text!r} on {self.name}'s screen", lambda: text in self.screen())

    def type_line(self, text: str) -> None:
        self.case.tmux("send-keys", "-t", self.name, "-l", text)
        self.case.tmux("send-keys", "-t", self.name, "Enter")

    def press(self, key: str) -> None:
        self.case.tmux("send-keys", "-t", self.name, key)

    def log(self, room: str) -> list[str]:
        """The room's lines as ``--log-dir`` kept them (time stripped)."""
        path = self.logs / f"#{room}.log"
        if not path.exists():
            return []
        return [line[20:] for line in path.read_text().splitlines()]

    def exited_cleanly(self) -> None:
        """The client ended with status 0 and wrote nothing to stderr."""
        wait_for(f"{self.name} to exit", lambda: self.status.exists(), timeout=10)
        wait_for(f"{self.name}'s status", lambda: bool(self.status.read_text().strip()))
        self.case.assertEqual(self.stderr.read_text(), "")
        self.case.assertEqual(self.status.read_text().strip(), "0")


class TerminalTests(unittest.TestCase):
    """The client as a user runs it, in tmux."""

    def setUp(self) -> None:
        if TMUX is None:
            if os.environ.get("CHATROOM_REQUIRE_TOOLS"):
                self.fail("tmux is missing and CHATROOM_REQUIRE_TOOLS is set")
            raise unittest.SkipTest("tmux is not installed (make test installs it)")
        self.folder = Path(self.mktemp()).resolve()
        self.folder.mkdir(parents=True)
        self.socket = f"chatroom-test-{os.getpid()}-{secrets.token_hex(4)}"
        self.addCleanup(self.tmux, "kill-server", check=False)
        self.port = free_port()
        self.server: subprocess.Popen[bytes] | None = None
        self.start_server()

    def tmux(self, *arguments: str, check: bool = True) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *arguments],
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode:
            raise AssertionError(f"tmux {arguments[0]}: {done.stderr}")
        return done.stdout

    def start_server(self) -> None:
        """``twistd chatroom`` from this checkout, default flood settings."""
        self.server = start_twistd(
            self.folder,
            "--port",
            f"tcp:{self.port}:interface=127.0.0.1",
            "--db",
            ":memory:",
        )
        self.addCleanup(self.server.kill)
        wait_for("the server to listen", lambda: listening(self.port))

    def stop_server(self) -> None:
        assert self.server is not None
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(timeout=15)

    def two_in(self, room: str) -> tuple[TerminalClient, TerminalClient]:
        """alice creates ``room`` from her lobby, bob sees it and joins."""
        alice = TerminalClient(self, "alice", "--username", "alice")
        bob = TerminalClient(self, "bob", "--username", "bob")
        alice.shows("you are alice")
        alice.type_line(room)
        alice.shows(f"you joined {room}")
        bob.shows(room)
        bob.type_line(room)
        bob.shows(f"you joined {room}")
        return alice, bob

    def test_leaving_prints_no_traceback(self) -> None:
        """Ctrl-C on the username page and in the lobby: status 0, stderr empty."""
        nameless = TerminalClient(self, "nameless")
        nameless.shows("Choose a username")
        nameless.press("C-c")
        in_lobby = TerminalClient(self, "lobby", "--username", "carol")
        in_lobby.shows("you are carol")
        in_lobby.press("C-c")
        nameless.exited_cleanly()
        in_lobby.exited_cleanly()

    def test_password_lines_never_on_screen_or_in_logs(self) -> None:
        """``/register PASSWORD`` shows stars while typed, and neither the
        terminal, the --log-dir files nor Ctrl-P's recall ever show it."""
        carol = TerminalClient(self, "carol", "--username", "carol")
        carol.shows("you are carol")
        self.tmux("send-keys", "-t", "carol", "-l", "/register hunter22")
        carol.shows("Room or /command: /register ********")
        self.assertNotIn("hunter22", carol.screen())
        carol.press("Enter")
        carol.shows("carol is now your account")
        carol.press("C-p")
        self.assertNotIn("/register", carol.screen().splitlines()[-1])
        self.assertNotIn("hunter22", carol.screen())
        carol.press("C-c")
        carol.exited_cleanly()
        logged = "".join(path.read_text() for path in carol.logs.glob("*.log"))
        self.assertIn("carol is now your account", logged)
        self.assertNotIn("hunter22", logged)

    def test_signing_in_at_the_password_prompt(self) -> None:
        """A registered name asks for its password in a field that shows
        only stars; signing in reaches the lobby, and the password is on no
        screen and in no log."""
        alice = TerminalClient(self, "alice", "--username", "alice")
        alice.shows("you are alice")
        alice.type_line("/register sugar-lumps")
        alice.shows("alice is now your account")
        alice.type_line("/quit")
        alice.exited_cleanly()
        again = TerminalClient(self, "again", "--username", "alice")
        again.shows("Password for alice")
        self.tmux("send-keys", "-t", "again", "-l", "sugar-lumps")
        again.shows("*" * len("sugar-lumps"))
        again.press("Enter")
        again.shows("you are alice")
        self.assertNotIn("sugar-lumps", again.screen())
        again.press("C-c")
        again.exited_cleanly()
        for client in (alice, again):
            logged = "".join(p.read_text() for p in client.logs.glob("*.log"))
            self.assertNotIn("sugar-lumps", logged)

    def test_clients_converge_into_their_room_after_a_restart(self) -> None:
        """Two members of tea2 are both back in it after the server restarts."""
        alice, bob = self.two_in(room="tea2")
        self.stop_server()
        alice.shows("disconnected")
        self.start_server()
        for client in (alice, bob):
            wait_for(
                f"{client.name} back in tea2",
                partial(joined_twice, client, "tea2"),
            )
        alice.type_line("together again")
        wait_for(
            "bob to hear alice",
            lambda: "<alice> together again" in bob.log("tea2"),
        )
        self.assertIn("tea2", alice.screen().splitlines()[0])
        alice.press("C-c")  # in a room
        bob.type_line("/quit bye")
        alice.exited_cleanly()
        bob.exited_cleanly()

    def test_thirty_line_paste_arrives_whole_and_in_order(self) -> None:
        """A paste beyond the server's burst is paced, not refused; resizing keeps
        the newest line in view."""
        alice, bob = self.two_in(room="paste")
        pasted = [f"pasted line {number:02d}" for number in range(30)]
        self.tmux("set-buffer", "\n".join(pasted) + "\n")
        self.tmux("paste-buffer", "-t", "alice")
        heard = [f"<alice> {line}" for line in pasted]
        wait_for(
            "all 30 lines at bob",
            lambda: [line for line in bob.log("paste") if "pasted" in line] == heard,
            timeout=60,
        )
        self.assertNotIn("refused", "\n".join(alice.log("paste")))
        self.tmux("resize-window", "-t", "alice", "-x", "60", "-y", "20")
        alice.shows("pasted line 29")
        alice.type_line("/quit")
        bob.press("C-c")
        alice.exited_cleanly()
        bob.exited_cleanly()
