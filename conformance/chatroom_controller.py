"""irctest's controller for chatroom's IRC door, and the pytest hooks it needs.

irctest (vendored in ``conformance/irctest``) drives an IRC server through
a *controller*: one per server software, saying how to start it, how to
register an account and what it supports. Ergo's and ngIRCd's controllers
start a fresh server for every test; starting ``twistd`` costs about a
second here, which over 429 tests would triple ``make test``. So this
controller starts **one** door for the tests that use no accounts (and a
second one, with ``--irc-password testpassword``, for the few that log in
with a server password), as irctest's ``external_server`` controller
assumes; the price is that what one test leaves can be seen by another.
The tests that use accounts (irctest's services) share a third door,
and every account a test registered is dropped when it ends
(:func:`_finish_services_test`), since a registered nick stays reserved;
a test that failed, or left an account that could not be dropped, ends
that door, and the next gets a new one. (A fresh door per account test
was half of a run's CPU: 107 starts on one server, twice that on
nodes.) The ``WHOWAS`` tests (:data:`FRESH_DOOR_CLASSES`) get a fresh
door, started while the test before them ran, as they check what the
server remembers of nicks gone, as they would against a server started
for them; so do ``account_registration``'s tests
(:data:`FRESH_DOOR_MODULES`), whose accounts the controller does not
see made; a test whose configuration asks for
``account_registration_before_connect`` gets a fresh door with
``--irc-register-before-connect``. A test
that asks for a faked clock (``list.py``'s ``C`` and ``T`` filters, which
wait minutes) gets a door of its own under libfaketime's ``faketime``, as
Ergo's controller runs Ergo, when Debian's ``faketime`` is installed.

Every door also serves ``--http``: IRC over WebSocket (the IRCv3
``websocket`` extension) is there, and irctest's WebSocket tests ask for
a second port, which is that one (``ws://127.0.0.1:PORT``, no path).

What it declares is what the door does, no more: ``PLAIN`` and
``SCRAM-SHA-256`` for SASL, the IRCv3 capabilities it negotiates, the
``005`` tokens and values it sends (``isupport``), and the optional
behaviours it has (``KICK`` and ``NAMES`` of several targets; irctest
itself reads them from ``TARGMAX``). Accounts are
registered through the door's own NickServ (``REGISTER password email``),
as irctest's services controllers do; every door starts with ``--admins
operuser`` and has ``operuser`` registered (password ``operpassword``)
before any test, so irctest's ``OPER operuser operpassword`` signs in to
a server admin's account, as ``OPER`` does here. The server runs with ``--rate 0``
and no registration limit, since irctest sends faster and registers more
accounts from one address than any person would, ``--password-min 1``
(its accounts' passwords, like ``sesame``, are shorter than the default
8), ``--rooms-per-hour 0`` (its nicks, ``foo`` and ``bar``, make
``#chan`` anew in test after test on the shared door), ``--login-timeout
10`` (a test that leaves a client unregistered waits for it to be closed),
``--scram-iterations 4096`` (irctest's SCRAM client is pure Python: at
the default 100,000 a loaded machine took over ten seconds to answer a
challenge, past that timeout), and ``--description "test server"`` (what
irctest's configurations call
every server, which its ``LINKS`` test expects after the hop count) and
``--rooms ''`` (no permanent ``#general``: ``LIST`` shows only the test's
channels, as on a server that has none) and ``--rename-grace 0`` (after a
``RENAME``, ``channel_rename.py`` joins the old name and expects a new
channel there, as on Ergo, which keeps no redirect); everything else is the door as
``twistd -n chatroom --name My.Little.Server`` starts it.

Used as ``pytest --controller chatroom_controller -p chatroom_controller``
from ``conformance/irctest`` (``conformance/run.py`` does it).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, BinaryIO

import pytest
from irctest.basecontrollers import BaseServerController, BaseServicesController
from irctest.runner import NotImplementedByController
from irctest.specifications import Capabilities, OptionalBehaviors

from tests.ports import PortPool, irctest_ports

#: The checkout, whose ``twisted/plugins`` holds the ``chatroom`` plugin.
CHECKOUT = Path(__file__).resolve().parent.parent
TWISTD = "from twisted.scripts.twistd import run; run()"
#: Where the doors' logs go (``conformance/run.py`` points it into build/):
#: a folder per pytest-xdist worker when irctest runs in several (``-n``),
#: since a cluster door is ready once its nodes' logs say so, and each
#: worker's doors have the same names.
LOGS = Path(os.environ.get("CHATROOM_IRCTEST_LOGS") or tempfile.mkdtemp())
if os.environ.get("PYTEST_XDIST_WORKER"):
    LOGS = LOGS / os.environ["PYTEST_XDIST_WORKER"]
    LOGS.mkdir(exist_ok=True)
#: The server admin's account and password irctest's ``OPER`` gives.
OPERATOR = ("operuser", "operpassword")
#: The server password the running test asks for, whether it needs a
#: fresh door and whether it uses accounts (set by the hook below:
#: irctest asks for the port first).
_wanted_password: str | None = None
_wanted_fresh = False
_wanted_services = False
#: The faked time the running test asks for (irctest's ``faketime``, e.g.
#: ``+1y x30``): a door of its own, run under libfaketime's ``faketime``.
_wanted_faketime: str | None = None
#: Options the running test's configuration asks of a fresh door of its own
#: (``account_registration_before_connect``: ``--irc-register-before-connect``).
_wanted_options: tuple[str, ...] = ()
#: libfaketime's command (Debian's ``faketime``; the Makefile installs it).
FAKETIME = shutil.which("faketime")
#: How many ports the running test has asked for: its second is the
#: WebSocket's (irctest asks twice in a row for a WebSocket test).
_ports_given = 0
#: Test classes that get a fresh door as the account tests do: what they
#: check is what the server remembers of earlier connections (WHOWAS),
#: which on a door shared by the whole run holds earlier tests' nicks.
FRESH_DOOR_CLASSES = frozenset({"WhowasTestCase"})
#: Test modules whose tests get a fresh door: ``account_registration``'s
#: register accounts with IRCv3's ``REGISTER``, which the controller does
#: not see, so it cannot drop them afterwards (see :func:`_drop_accounts`).
FRESH_DOOR_MODULES = frozenset({"account_registration"})
#: The accounts the running test registered through the controller
#: (irctest's ``registerUser``), with their passwords: dropped when the
#: test ends, so that the next test on the shared services door finds
#: their names free, as on a door started for it.
_registered: list[tuple[str, str]] = []
#: With ``CHATROOM_IRCTEST_NODES=N`` (``conformance/run.py --cluster``),
#: every door is N Redis-backed nodes sharing one IRC port and one
#: ``--http`` port (``--reuse-port``, as ``chatroom-cluster`` starts them),
#: so the kernel spreads irctest's clients over the nodes as it spreads
#: users. 1 (the default): one server on the in-process back-end.
NODES = int(os.environ.get("CHATROOM_IRCTEST_NODES") or 1)
#: What cluster node NODE logs once it is in the cluster (its doors listen
#: before, and answer ``UNAVAILABLE`` until then).
LISTENING = "node {node}: in the cluster"


#: A free port of this run's own (``tests/ports.py``): below the suite's,
#: a share for the run on one server and one for the run on nodes, a slice
#: for each of the run's workers. Ports probed free by ``bind`` to port 0
#: came from the kernel's ephemeral range, where a client could take one
#: before its door listened; and two workers walking one share could hand
#: one port to two cluster doors, whose nodes bind with ``SO_REUSEPORT``
#: and would both listen there.
_free_port = PortPool(irctest_ports(on_nodes=NODES > 1)).free_port


class RedisServer:
    """The one ``redis-server`` a cluster run's doors share, each door on a
    database of its own (a fresh door must not see an earlier one's
    accounts), with nothing saved to disk."""

    DATABASES = 100_000

    def __init__(self) -> None:
        self.port = _free_port()
        self.databases_given = 0
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
                *("--databases", str(self.DATABASES), "--dir", str(LOGS)),
                *("--logfile", str(LOGS / "redis.log")),
            ],
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: see {LOGS}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def new_database(self) -> str:
        """The address of a database no door used yet."""
        self.databases_given += 1
        return f"redis://127.0.0.1:{self.port}/{self.databases_given}"

    def users_online(self, database: str) -> int:
        """How many users the cluster on ``database`` has online (``HLEN``
        of its ``users`` hash, docs/scaling.md's layout)."""
        number = database.rpartition("/")[2]
        request = (
            f"*2\r\n$6\r\nSELECT\r\n${len(number)}\r\n{number}\r\n"
            "*2\r\n$4\r\nHLEN\r\n$14\r\nchatroom:users\r\n"
        )
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as link:
            link.sendall(request.encode())
            heard = b""
            while heard.count(b"\r\n") < 2:
                data = link.recv(4096)
                if not data:
                    break
                heard += data
        return int(heard.split(b"\r\n")[1].lstrip(b":") or 0)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


_redis: list[RedisServer] = []


def _redis_database() -> str:
    """A fresh database on the run's ``redis-server`` (started on first use)."""
    if not _redis:
        _redis.append(RedisServer())
    return _redis[0].new_database()


class Door:
    """One ``twistd -n chatroom`` with its IRC door on a port of its own; or,
    in a cluster run (:data:`NODES` > 1), that many nodes on one Redis
    database, sharing the door's ports."""

    #: Starts a door may take: its ports are chosen free, then bound by
    #: twistd, and another program (other test runs on the machine) may
    #: take one in between; the door then exits and starts again elsewhere.
    ATTEMPTS = 3

    def __init__(
        self,
        name: str,
        password: str | None = None,
        faketime: str | None = None,
        options: tuple[str, ...] = (),
    ) -> None:
        self.name, self.password, self.faketime = name, password, faketime
        self.options = options
        self.log = LOGS / f"{name}.log"
        self.attempts = 0
        self._start()

    def _start(self) -> None:
        self.attempts += 1
        self.port = _free_port()
        self.http_port = _free_port()
        # Under faketime the door's clock runs 30 times faster: its login
        # and ping timeouts are set so that clients still have seconds.
        login_timeout = "10" if self.faketime is None else "300"
        options = [
            *("--name", "My.Little.Server"),
            *("--port", "tcp:0:interface=127.0.0.1"),
            *("--irc", f"tcp:{self.port}:interface=127.0.0.1"),
            *("--db", ":memory:", "--rate", "0", "--register-rate", "0"),
            *("--register-limit", "100000", "--login-timeout", login_timeout),
            *("--scram-iterations", "4096"),
            *("--password-min", "1", "--rooms-per-hour", "0", "--rooms", ""),
            *("--http", f"tcp:{self.http_port}:interface=127.0.0.1"),
            *("--description", "test server"),
            *("--admins", OPERATOR[0]),
            *("--rename-grace", "0"),
            *self.options,
        ]
        if self.password is not None:
            options += ["--irc-password", self.password]
        faked: list[str] = []
        if self.faketime is not None and FAKETIME is not None:
            faked = [FAKETIME, "-f", self.faketime]
            options += ["--ping-interval", "3600"]
        nodes: list[tuple[Path, list[str]]] = [(self.log, [])]
        if NODES > 1:
            self.database = _redis_database()
            options += ["--redis", self.database, "--reuse-port"]
            nodes = [
                (self.node_log(k), ["--node-id", f"{self.name}-{k}"])
                for k in range(1, NODES + 1)
            ]
            for log, _ in nodes:  # twistd appends: an earlier run's joined
                log.unlink(missing_ok=True)
        self.processes = [
            subprocess.Popen(
                [
                    *faked,
                    *(sys.executable, "-c", TWISTD, "-n", "--pidfile="),
                    *(f"--logfile={log}", "chatroom", *options, *node),
                ],
                cwd=LOGS,
                env=dict(os.environ, PYTHONPATH=str(CHECKOUT)),
                start_new_session=True,  # a process group of its own: see stop()
            )
            for log, node in nodes
        ]
        self.ready = False
        self.operator = False  # a new process: operuser is registered anew

    def node_log(self, number: int) -> Path:
        """The log of a cluster door's node ``number`` (from 1)."""
        return LOGS / f"{self.name}-{number}.log"

    def settle(self) -> None:
        """Wait (at most 10 s) until a cluster door has no user online: the
        last test's clients closed their connections on both nodes, and
        each node frees their nicks in Redis when it sees its close. One
        server has handled the close before the next test's connection
        (one reactor, in order); two nodes may not have, and the next
        test's ``NICK bar`` would hear 433 from the other node."""
        if NODES == 1 or self.exited() is not None:
            return
        deadline = time.monotonic() + 10
        while _redis[0].users_online(self.database) and time.monotonic() < deadline:
            time.sleep(0.02)

    def exited(self) -> int | None:
        """The exit status of a process of the door's that ended, else None."""
        for process in self.processes:
            if process.poll() is not None:
                return process.returncode
        return None

    def wait_ready(self) -> int:
        """The IRC port, once the door completes a registration (its reactor
        runs: twistd listens before that) and, in a cluster, every node has
        joined the cluster (else the first would get every client)."""
        deadline = time.monotonic() + 120
        while not self.ready:
            status = self.exited()
            if status is not None:
                self.stop()
                if self.attempts < self.ATTEMPTS:  # a port taken meanwhile
                    self._start()
                    continue
                raise RuntimeError(f"chatroom's door exited ({status}): see {self.log}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chatroom's door did not answer: see {self.log}")
            self.ready = self._nodes_joined() and self._answers()
            if not self.ready:
                time.sleep(0.05)
        if not self.operator:
            self.operator = self._register_operator()
        return self.port

    def _nodes_joined(self) -> bool:
        """Whether every node of a cluster door says it is in the cluster."""
        if NODES == 1:
            return True
        logs = [self.node_log(k) for k in range(1, NODES + 1)]
        return all(
            log.exists()
            and LISTENING.format(node=f"{self.name}-{k}")
            in log.read_text("utf-8", "replace")
            for k, log in enumerate(logs, 1)
        )

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as probe:
                probe.sendall(b"QUIT :probe\r\n")
                return b"ERROR" in probe.recv(4096)
        except OSError:
            return False

    def _register_operator(self) -> bool:
        """Register the account irctest's ``OPER operuser operpassword``
        signs in to, through NickServ (``--admins`` names it)."""
        name, password = OPERATOR
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as link:
            if self.password is not None:  # the server password first
                link.sendall(f"PASS {self.password}\r\n".encode())
            link.sendall(
                f"NICK {name}\r\nUSER {name} 0 * :{name}\r\n"
                f"PRIVMSG NickServ :REGISTER {password}\r\n".encode()
            )
            heard = b""
            while b"Account created" not in heard:
                data = link.recv(4096)
                if not data:
                    raise RuntimeError(f"could not register {name}: {heard!r}")
                heard += data
            link.sendall(b"QUIT\r\n")
            while link.recv(4096):
                pass
        return True

    def stop(self) -> None:
        """Ends the door: its whole process group, since ``faketime`` runs
        twistd as its child (ending only ``faketime`` would leave it)."""
        for process in self.processes:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=15)


#: Doors shared by every test, by server password (None: no password) and
#: whether the test uses accounts (irctest's services): the account tests
#: share a door of their own, whose accounts each test's end drops.
_SHARED: dict[tuple[str | None, bool], Door] = {}
#: A fresh door started ahead for the next test that needs one (above),
#: and the one in use.
_spare: list[Door] = []
_fresh_in_use: list[Door] = []
_fresh_count = 0


def _port_for_test() -> int:
    """The IRC port of the door the current test should use; asked again
    (a WebSocket test), the same door's ``--http`` port."""
    global _ports_given
    _ports_given += 1
    if _ports_given > 1 and _in_use:
        return _in_use[-1].http_port
    door = _door_for_test()
    _in_use[:] = [door]
    door.wait_ready()
    return door.port


#: The door the running test was given.
_in_use: list[Door] = []


def _fresh_name(kind: str = "fresh") -> str:
    """A name no other door of the run has: its logs' and its nodes' names.
    (The spare and a door with options started right after it once had
    one name, so both wrote one log: the second door was taken for ready
    when the first one's nodes said they were in the cluster, and its
    first user heard ``UNAVAILABLE`` from its own node, still joining.)"""
    global _fresh_count
    _fresh_count += 1
    return f"{kind}-{_fresh_count}"


def _door_for_test() -> Door:
    """The door the current test should use."""
    if _wanted_faketime is not None and FAKETIME is not None:
        for door in _fresh_in_use:
            door.stop()
        _fresh_in_use[:] = [Door(_fresh_name("faketime"), None, _wanted_faketime)]
        return _fresh_in_use[0]
    if _wanted_fresh:
        for door in _fresh_in_use:
            door.stop()
        _fresh_in_use.clear()
        if _wanted_options:  # the spare has none: one of its own
            door = Door(_fresh_name(), options=_wanted_options)
        else:
            door = _spare.pop() if _spare else Door(_fresh_name())
        if not _spare:
            _spare.append(Door(_fresh_name()))
        _fresh_in_use.append(door)
        return door
    key = (_wanted_password, _wanted_services)
    door = _SHARED.get(key)
    if door is None or door.exited() is not None:
        name = "door" if _wanted_password is None else "door-with-password"
        if _wanted_services:  # replaced when a test leaves it unclean
            name = _fresh_name("services")
        door = _SHARED[key] = Door(name, _wanted_password)
    return door


def _finish_services_test(failed: bool) -> None:
    """After a test on the shared services door: drop the accounts it
    registered; if it failed, or an account could not be dropped (the
    test changed its password, or its failed sign-ins hold the account
    back), stop the door, and the next such test gets a new one, as a
    door started for each test would have been."""
    if not _wanted_services or _wanted_fresh:
        return
    key = (_wanted_password, True)
    door = _SHARED.get(key)
    if door is None or door not in _in_use:
        return
    accounts, _registered[:] = list(_registered), []
    if failed or not _drop_accounts(door, accounts):
        door.stop()
        del _SHARED[key]


def _drop_accounts(door: Door, accounts: list[tuple[str, str]]) -> bool:
    """Drop ``accounts`` (name, password) on ``door`` through its NickServ
    (``IDENTIFY``, then ``DROP``): whether every one was dropped."""
    if not accounts:
        return True
    try:
        with socket.create_connection(("127.0.0.1", door.port), timeout=30) as link:
            lines = link.makefile("rb")
            if door.password is not None:
                link.sendall(f"PASS {door.password}\r\n".encode())
            link.sendall(b"NICK dropper\r\nUSER dropper 0 * :dropper\r\n")
            _heard(lines, lambda line: line.split(b" ")[1:2] == [b"001"])
            for name, password in accounts:
                for command, done in (
                    (f"IDENTIFY {name} {password}", b"logged in as"),
                    (f"DROP {password}", b"dropped"),
                ):
                    link.sendall(f"PRIVMSG NickServ :{command}\r\n".encode())
                    said = _heard(lines, lambda line: b" NOTICE dropper :" in line)
                    if done not in said:
                        return False
            link.sendall(b"QUIT\r\n")
        return True
    except (OSError, EOFError):
        return False


def _heard(lines: BinaryIO, wanted: Callable[[bytes], bool]) -> bytes:
    """The first line from ``lines`` that ``wanted`` accepts."""
    while True:
        line = lines.readline()
        if not line:
            raise EOFError("the door closed the connection")
        if line.startswith(b"PING"):
            continue
        if wanted(line):
            return bytes(line)


# A run stopped by SIGTERM stops its doors too (atexit runs on SystemExit).
signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(1))


@atexit.register
def _stop_all() -> None:
    for door in [*_SHARED.values(), *_spare, *_fresh_in_use]:
        door.stop()
    _SHARED.clear()
    _spare.clear()
    _fresh_in_use.clear()
    for redis in _redis:
        redis.stop()
    _redis.clear()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """Stop the doors when the tests end, in every process: a
    pytest-xdist worker leaves with ``os._exit``, which runs no atexit
    function, and would leave its doors and its redis-server running."""
    _stop_all()


class BuiltinServices(BaseServicesController):
    """The door's NickServ is part of it: nothing to start."""

    software_name = "chatroom's NickServ"

    def run(self, protocol: str, server_hostname: str, server_port: int) -> None:
        pass

    def kill(self) -> None:
        pass

    def registerUser(
        self, case: Any, username: str, password: str | None = None
    ) -> None:
        super().registerUser(case, username, password)
        assert password is not None  # irctest's own registerUser asserts it
        _registered.append((username, password))


class ChatroomController(BaseServerController):
    """One shared door per server password; see the module's docstring."""

    software_name = "chatroom"
    #: irctest's knob for a distributed server (it names Sable, the other
    #: one it tests): seconds it waits before its PING-and-PONG read of a
    #: client's messages. On one server 0: the reactor has run every line
    #: read before the PING. On nodes, nothing orders a message another
    #: node is still sending (a private message is two Redis round trips
    #: there) before the PONG the reading client's node sends for a PING
    #: written after it, so irctest waits this long first, as for Sable.
    sync_sleep_time = 0.02 if NODES > 1 else 0.0
    #: The same wait in a WebSocket test on nodes (``websocket.py``, five
    #: tests). A WebSocket client's line goes through the web door and
    #: Redis before another node writes it to the plain client, and on a
    #: machine as loaded as ``make test``'s (the suite beside) 20 ms was
    #: once too little: ``testSendTruncation``'s plain client read its PONG
    #: first, in a fresh clone's run on 2026-11-25, passing in every other
    #: run seen. Only these tests wait longer, as every read waits it.
    websocket_sync_sleep_time = 0.1 if NODES > 1 else 0.0
    supported_sasl_mechanisms = {"PLAIN", "SCRAM-SHA-256"}
    supports_sts = False
    services_controller_class = BuiltinServices
    capabilities = frozenset(
        (
            Capabilities.ACCOUNT_NOTIFY,
            Capabilities.ACCOUNT_TAG,
            Capabilities.AWAY_NOTIFY,
            Capabilities.BATCH,
            Capabilities.ECHO_MESSAGE,
            Capabilities.EXTENDED_JOIN,
            Capabilities.EXTENDED_MONITOR,
            Capabilities.LABELED_RESPONSE,
            Capabilities.MESSAGE_REDACTION,
            Capabilities.MESSAGE_TAGS,
            Capabilities.MULTILINE,
            Capabilities.MULTI_PREFIX,
            Capabilities.READ_MARKER,
            Capabilities.SERVER_TIME,
            Capabilities.SETNAME,
        )
    )

    #: ``005`` tokens and the values the door sends (irctest's
    #: ``isupport.py`` testValues checks them), as docs/irc.md gives them.
    isupport = {
        "BOT": "B",
        "CASEMAPPING": "rfc7613",
        "CHANLIMIT": "#:50",
        "CHANTYPES": "#",
        "CHATHISTORY": "200",
        "ELIST": "CMNTU",
        "MONITOR": "100",
        "PREFIX": "(ov)@+",
        "STATUSMSG": "@",
        "UTF8ONLY": None,
        "WHOX": None,
    }
    optional_behaviors = frozenset(
        (OptionalBehaviors.MULTI_KICK, OptionalBehaviors.MULTI_NAMES_COMMAND)
    )

    def get_hostname_and_port(self) -> tuple[str, int]:
        return ("127.0.0.1", _port_for_test())

    def run(
        self,
        hostname: str,
        port: int,
        *,
        password: str | None,
        ssl: bool,
        run_services: bool,
        faketime: str | None,
        websocket_hostname: str | None,
        websocket_port: int | None,
    ) -> None:
        if ssl:
            raise NotImplementedByController("TLS")
        if faketime is not None and FAKETIME is None:
            raise NotImplementedByController("faketime (Debian's faketime)")
        self.faketime_enabled = faketime is not None
        if websocket_port is not None and websocket_port != _in_use[-1].http_port:
            raise NotImplementedByController("Websocket on another port")
        if websocket_port is not None:
            self.sync_sleep_time = self.websocket_sync_sleep_time
        self.hostname, self.port = hostname, port
        self.port_open = True
        if run_services:
            self.services_controller = BuiltinServices(self.test_config, self)

    def check_is_alive(self) -> None:
        for door in [*_SHARED.values(), *_fresh_in_use]:
            if door.exited() is not None:
                raise RuntimeError(f"chatroom's door exited: see {door.log}")

    def kill(self) -> None:
        """The door outlives each test (see the module's docstring); nor does
        this controller use irctest's shared file of ports."""


def get_irctest_controller_class() -> type[ChatroomController]:
    return ChatroomController


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: Any) -> Generator[None, None, None]:
    """Say which server password the test wants; and when its setUp fails
    (a skip), close the clients it opened: pytest runs no teardown after a
    failed setup, and against a shared door the setUp's nick would stay
    taken, so the next test's registration would wait on 433."""
    global _wanted_password, _wanted_fresh, _wanted_faketime, _ports_given
    global _wanted_options, _wanted_services
    _wanted_password = getattr(item.cls, "password", None)
    config = getattr(item.cls, "config", None)
    wanted = config() if callable(config) else None
    before_connect = getattr(wanted, "account_registration_before_connect", False)
    _wanted_options = ("--irc-register-before-connect",) if before_connect else ()
    _wanted_faketime = getattr(item.cls, "faketime", None)
    services = bool(getattr(item.cls, "run_services", False))
    module = getattr(item.module, "__name__", "").rpartition(".")[2]
    _wanted_services = services
    _wanted_fresh = (
        getattr(item.cls, "__name__", "") in FRESH_DOOR_CLASSES
        or (services and module in FRESH_DOOR_MODULES)
        or bool(_wanted_options)
    )
    _registered.clear()
    _ports_given = 0
    for door in _in_use:  # the last test's
        door.settle()
    try:
        return (yield)
    except BaseException:
        instance = getattr(item, "instance", None)
        for name in list(getattr(instance, "clients", None) or {}):
            with contextlib.suppress(Exception):
                instance.removeClient(name)  # type: ignore[union-attr]
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Generator[None, Any, Any]:
    """Note whether the test failed, for :func:`pytest_runtest_teardown`."""
    report = yield
    if report.when != "teardown":
        item.chatroom_failed = getattr(item, "chatroom_failed", False) or report.failed
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: Any) -> Generator[None, None, None]:
    """Once the test's clients are closed, clean the shared services door
    (:func:`_finish_services_test`)."""
    try:
        return (yield)
    finally:
        _finish_services_test(getattr(item, "chatroom_failed", False))
