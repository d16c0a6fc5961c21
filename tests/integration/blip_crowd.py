"""A crowd of line clients that drops and comes straight back, as after a
network blip (issue 79's "Your name is yours again at once").

Shared by ``tests/integration/test_names_after_drop.py`` and
``benchmarks/names_after_drop.py``: plain sockets of one ``asyncio``
loop, so a thousand clients cost one thread. :func:`blip` signs in
``clients`` plain names (``u0``, ``u1``, ...) in rooms of ``room``
(``r0``, ``r1``, ..., made by the server's ``--rooms``: :func:`rooms_option`),
each saying a line, with a watcher (``watch0``) in ``r0``; then every
connection of the crowd closes in the same moment (reset, as a cut
network does) and as many clients with the same names connect at once,
each sending its name right after ``HELLO``, and rejoin. It waits on
conditions only (every answer; the watcher's lines), each bounded by
``deadline`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What one blip came to."""

    #: Names answered ``ERR NAME_TAKEN`` at the first try.
    refused: int = 0
    #: Those refused again when each tries once more, as soon as every
    #: first try has its answer (a person pressing Enter again).
    again: int = 0
    #: Seconds from the drop until every client had its name and was back
    #: in its room (refused ones trying every ``retry`` seconds); None if
    #: some were not within the deadline.
    seated: float | None = None
    unseated: int = 0
    #: The members of ``r0`` the watcher did not see leave, then join again.
    unseen: list[str] = field(default_factory=list)
    #: ``r0``'s members at the end, as the watcher's ``/who`` lists them.
    members: list[str] = field(default_factory=list)
    #: Every ``PART r0`` and ``JOIN r0`` the watcher read, in order: what
    #: a member missing at the end went through (a second ``PART`` after
    #: its return, or none).
    comings_and_goings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Client:
    """One line client on an ``asyncio`` stream, keeping what it read."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
        self.reader = reader
        self.writer = writer
        self.lines: list[str] = []

    @classmethod
    async def connect(cls, port: int) -> Client:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        client = cls(reader, writer)
        await client.until("HELLO ")
        return client

    def send(self, line: str) -> None:
        self.writer.write(line.encode() + b"\r\n")

    async def until(self, *starts: str) -> str:
        """The next line that starts with one of ``starts``."""
        while True:
            raw = await self.reader.readline()
            if not raw:
                raise ConnectionError("closed by the server")
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.lines.append(line)
            if line.startswith(starts):
                return line

    def reset(self) -> None:
        """The connection cut, as by the network: no goodbye."""
        self.writer.transport.abort()


async def serving(port: int, deadline: float = 60.0) -> None:
    """Once the server on ``port`` gives a name (a node answers ``ERR
    UNAVAILABLE`` until it has reached Redis)."""
    give_up = time.monotonic() + deadline
    while True:
        client = await Client.connect(port)
        client.send(f"probe{port}")
        answer = await client.until("WELCOME ", "ERR ")
        client.reset()
        if answer.startswith("WELCOME "):
            return
        if time.monotonic() > give_up:
            raise RuntimeError(f"port {port} still answers {answer}")
        await asyncio.sleep(0.1)


def room_of(index: int, room: int) -> str:
    return f"r{index // room}"


def rooms_option(clients: int, room: int) -> list[str]:
    """The server's options that make the crowd's rooms."""
    count = (clients + room - 1) // room
    names = ",".join(f"r{k}" for k in range(count))
    return ["--rooms", names, "--max-rooms", str(count + 10)]


async def sign_in(port: int, index: int, room: int) -> Client:
    """Client ``u<index>`` with its name, in its room, having said a line."""
    client = await Client.connect(port)
    client.send(f"u{index}")
    await client.until("WELCOME ")
    where = room_of(index, room)
    client.send(f"/join {where}")
    await client.until("JOINED ")
    client.send(f"hello from u{index}")
    await client.until(f"MSG {where} u{index} ")
    return client


async def come_back(
    port: int,
    index: int,
    room: int,
    tries: list[list[bool]],
    answered: asyncio.Event,
    retry: float,
) -> Client:
    """Client ``u<index>`` again, at once: each try's answer in
    ``tries[index]`` (True: refused), the second once every first try is
    answered (``answered``), the next every ``retry`` seconds until it has
    its name; then back in its room."""
    client = await Client.connect(port)
    mine = tries[index]
    while True:
        client.send(f"u{index}")
        answer = await client.until("WELCOME ", "ERR ")
        mine.append(answer.startswith("ERR "))
        if len(mine) == 1 and all(tries):
            answered.set()
        if not mine[-1]:
            break
        if "NAME_TAKEN" not in answer:
            raise RuntimeError(f"u{index}: {answer}")
        if len(mine) == 1:
            await answered.wait()
        else:
            await asyncio.sleep(retry)
    client.send(f"/join {room_of(index, room)}")
    await client.until("JOINED ")
    return client


async def seen_back(watcher: Client, names: list[str]) -> list[str]:
    """Waits until the watcher has seen each of ``names`` leave ``r0``,
    then join it again: those not yet seen when cancelled (none)."""
    waiting = set(names)
    left: set[str] = set()
    looked = 0
    while True:
        for line in watcher.lines[looked:]:
            words = line.split(" ")
            if words[0] == "PART" and words[1] == "r0" and words[2] in waiting:
                left.add(words[2])
            elif words[0] == "JOIN" and words[1] == "r0" and words[2] in left:
                waiting.discard(words[2])
        looked = len(watcher.lines)
        if not waiting:
            return []
        try:
            await watcher.until("PART ", "JOIN ")
        except asyncio.CancelledError:
            return sorted(waiting)


async def blip(
    fill_port: int,
    back_port: int,
    clients: int,
    room: int,
    retry: float = 0.5,
    deadline: float = 90.0,
) -> Outcome:
    """The crowd signs in through ``fill_port``, drops, and comes back
    through ``back_port`` (see the module)."""
    outcome = Outcome()
    watcher = await Client.connect(fill_port)
    watcher.send("watch0")
    await watcher.until("WELCOME ")
    watcher.send("/join r0")
    await watcher.until("JOINED ")
    crowd: list[Client] = []
    for start in range(0, clients, 100):  # a hundred sign in at a time
        last = min(start + 100, clients)
        crowd += await asyncio.gather(
            *(sign_in(fill_port, i, room) for i in range(start, last))
        )
    tries: list[list[bool]] = [[] for _ in range(clients)]
    answered = asyncio.Event()
    dropped = time.monotonic()
    for client in crowd:  # every connection closes in the same moment
        client.reset()
    back = [
        asyncio.ensure_future(come_back(back_port, i, room, tries, answered, retry))
        for i in range(clients)
    ]
    done, pending = await asyncio.wait(back, timeout=deadline)
    if not pending:
        outcome.seated = time.monotonic() - dropped
    outcome.unseated = len(pending)
    for task in pending:
        task.cancel()
    outcome.refused = sum(1 for mine in tries if mine and mine[0])
    outcome.again = sum(1 for mine in tries if len(mine) > 1 and mine[1])
    in_r0 = [f"u{i}" for i in range(min(room, clients))]
    seeing = asyncio.ensure_future(seen_back(watcher, in_r0))
    try:
        outcome.unseen = await asyncio.wait_for(asyncio.shield(seeing), deadline)
    except TimeoutError:
        seeing.cancel()
        outcome.unseen = await seeing
    watcher.send("/who")
    members = await asyncio.wait_for(watcher.until("MEMBERS r0 "), deadline)
    outcome.members = members.split(" ")[2:]
    outcome.comings_and_goings = [
        line for line in watcher.lines if line.startswith(("PART r0 ", "JOIN r0 "))
    ]
    for task in done:
        if task.exception() is not None:
            outcome.problems.append(repr(task.exception()))
        else:
            task.result().reset()
    watcher.reset()
    return outcome
