"""Rename what the glossary (docs/architecture.md, *Words*) names, in this tree.

Every rename is data below: the old name, the new one, why, and where it
applies. Run from a checkout (any commit: the rules are patterns, never line
numbers, so a tree that gained code since still comes out right)::

    python tools/rename.py            # apply: git mv the modules, rewrite the text
    python tools/rename.py --check    # change nothing; exit 1 if a rename is due
    python tools/rename.py --dry-run  # say what would change, change nothing

Running it twice changes nothing the second time: the modules move only
while the old file is there and the new one is not, and no new name is an
old name in a scope where both rules apply (checked before anything is
written). After rewriting, ``ruff check --fix`` (imports and ``__slots__``
sorted again) and ``ruff format`` run on the Python files it changed, as a
renamed module or attribute sorts elsewhere and a longer name can wrap a
line (``--no-ruff`` skips them).

What stays as it is, on purpose: the wire's syntax, command and option
names (``--sendq``, ``/set keep``), metric names, log lines an operator
greps, and stored keys and columns (``P seats:r``, ``P search:outbox``):
those are contracts with the outside. Only Python identifiers, module
paths and prose change. ``benchmarks/results/`` is history and is left as
it was recorded; so is the vendored ``conformance/irctest``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

#: The trees and files rewritten, relative to the checkout's root.
ROOTS = (
    "chatroom",
    "tests",
    "twisted/plugins",
    "docs",
    "benchmarks",
    "conformance",
    "README.md",
    "Makefile",
    "pyproject.toml",
    "setup.py",
)

#: Files under ROOTS never rewritten: records of the past, vendored code.
EXCLUDED = ("benchmarks/results/*", "conformance/irctest/*")

#: The kinds of file rewritten.
SUFFIXES = (".py", ".md", ".toml", ".lua", ".js", ".html", ".cfg", ".txt")
NAMES = ("Makefile",)

#: The terminal client and what documents or tests it: the one place where
#: "outbox" and "send queue" would otherwise meet (the client's ``SendQueue``
#: becomes ``Outbox`` there, the server's ``OutputQueue`` ``SendQueue``
#: everywhere else).
CLIENT = ("chatroom/client/*", "tests/client/*", "docs/client.md")
EVERYWHERE = ("*",)


@dataclass(frozen=True)
class Move:
    """A module moved with ``git mv``; its import paths follow by :data:`RULES`."""

    old: str
    new: str
    why: str


@dataclass(frozen=True)
class Rule:
    """``old`` → ``new`` in every file whose path matches ``scope``.

    ``old`` is an identifier (matched whole, or as the head of a CamelCase
    compound: ``OutputQueueTests``) unless ``regex`` is set, in which case it
    is a regular expression and ``new`` its replacement template."""

    old: str
    new: str
    why: str
    scope: tuple[str, ...] = EVERYWHERE
    unless: tuple[str, ...] = ()
    regex: bool = False

    @property
    def pattern(self) -> re.Pattern[str]:
        if self.regex:
            return re.compile(self.old, re.MULTILINE)
        # Whole word, or the head of a CamelCase compound (``...Tests``);
        # never inside a longer identifier (``test_seat_limit``, ``_outlet``).
        return re.compile(rf"(?<![A-Za-z0-9_]){re.escape(self.old)}(?![a-z0-9_])")

    @property
    def label(self) -> str:
        return f"{self.old} → {self.new}" if not self.regex else self.why

    def applies_to(self, path: str) -> bool:
        return any(fnmatch(path, glob) for glob in self.scope) and not any(
            fnmatch(path, glob) for glob in self.unless
        )


# -- the renames ----------------------------------------------------------------

MOVES = (
    # Three files were called backend.py: the protocol the core calls
    # (core/backend.py keeps the name: it defines Backend), and the two
    # implementations, now named as their classes are.
    Move(
        "chatroom/backends/local/backend.py",
        "chatroom/backends/local/local_backend.py",
        "LocalBackend's module, told apart from core/backend.py's protocol",
    ),
    Move(
        "chatroom/backends/redis/backend.py",
        "chatroom/backends/redis/redis_backend.py",
        "RedisBackend's module, told apart from core/backend.py's protocol",
    ),
    # A node's joins, creates and leaves, as core/entries.py is the core's:
    # "seats" is the core's Seat (core/seats.py), not a room's entries.
    Move(
        "chatroom/backends/redis/seats.py",
        "chatroom/backends/redis/entries.py",
        "RedisEntries: a node's joins, creates and leaves (core/entries.py's peer)",
    ),
    # The doors' hub: what every door's protocol shares.
    Move(
        "chatroom/doors/base/server.py",
        "chatroom/doors/base/hub.py",
        "DoorHub's module: the hub every door shares, not a server",
    ),
)

RULES = (
    # -- module paths (dotted, slashed, and the bare names docs tables use) --
    Rule(
        r"\b(backends)([./])(local|redis)\2backend\b",
        r"\1\2\3\2\3_backend",
        "the back-ends' modules named as their classes (see MOVES)",
        regex=True,
    ),
    Rule(
        r"\b(backends)([./])redis\2seats\b",
        r"\1\2redis\2entries",
        "a node's joins, creates and leaves (see MOVES)",
        regex=True,
    ),
    Rule(
        r"\b(doors)([./])base\2server\b",
        r"\1\2base\2hub",
        "the doors' hub (see MOVES)",
        regex=True,
    ),
    Rule(
        r"`backend\.py`(?= \| `RedisBackend`)",
        "`redis_backend.py`",
        "the Redis back-end's table in the docs names its modules bare",
        scope=("docs/*",),
        regex=True,
    ),
    Rule(
        r"`seats\.py`(?= \| `Redis(?:Seats|Entries)`|, `decided\.py`)",
        "`entries.py`",
        "the Redis back-end's table in the docs names its modules bare",
        scope=("docs/*",),
        regex=True,
    ),
    Rule(
        r"^server\.py(\s+)ChatServer:",
        r"hub.py   \1DoorHub:",
        "the doors' module list in architecture.md names its modules bare",
        scope=("docs/*",),
        regex=True,
    ),
    # -- classes named by their job --------------------------------------------
    # The line door's protocol and factory, as the IRC door's are IRCProtocol
    # and IRCFactory ("Chat" said nothing: every class here is the chat's).
    Rule("ChatProtocol", "LineProtocol", "the line door's protocol"),
    Rule("ChatFactory", "LineFactory", "the line door's factory"),
    # The per-process object every door's protocol shares (config, clock,
    # registry, account service, connection counts): the docs' "hub".
    Rule("ChatServer", "DoorHub", "the doors' hub, not a server of its own"),
    # The Twisted service that starts the hub and stops it gracefully (BYE to
    # every client, output drained, the registry detached); ChatroomService,
    # the whole process's MultiService, keeps its name.
    Rule("ChatService", "HubService", "the service that runs the hub"),
    # -- send queue, outbox -----------------------------------------------------
    # The client's paced lines waiting for the server: its outbox (the
    # controller's attribute and the web page's flushOutbox already say so).
    Rule("SendQueue", "Outbox", "the client's outbox of paced lines", scope=CLIENT),
    Rule(
        r"`SendQueue`(?= in `client/sending\.py`)",
        "`Outbox`",
        "the client's outbox where a document outside CLIENT names it",
        scope=("docs/*",),
        regex=True,
    ),
    # A connection's bytes written but not yet taken by the socket, bounded
    # by --sendq: the send queue, in sendq.py, by one name everywhere.
    Rule(
        r"\bchatroom\.client\.sending\.(?:OutputQueue|SendQueue)\b",
        "chatroom.client.sending.Outbox",
        "the client's outbox, named from outside the client",
        regex=True,
    ),
    Rule(
        r"\b([Aa])n (:class:`~?(?:\w+\.)*)OutputQueue\b",
        r"\1 \2SendQueue",
        "the article before the send queue's new name",
        regex=True,
    ),
    Rule(
        "OutputQueue",
        "SendQueue",
        "a connection's send queue (--sendq)",
        unless=CLIENT,
    ),
    Rule(
        "outlet",
        "send_queue",
        "a session's handle on its connection's send queue",
        scope=("chatroom/doors/*", "tests/doors/*", "docs/*"),
    ),
    Rule(
        r"\b(connection|self\.connection)\.output\b",
        r"\1.send_queue",
        "a connection's send queue, apart from a line session's LineOutput",
        regex=True,
        unless=CLIENT,
    ),
    Rule(
        r"(?<=self\.)output\b|(?<=\")output(?=\",)",
        "send_queue",
        "the Connection's own attribute and slot for its send queue",
        scope=("chatroom/doors/base/connection.py",),
        regex=True,
    ),
    # -- seat: a user's one member of its rooms on this node -------------------
    # A session is not a kind of seat: the core's record of one is Session.
    Rule("SeatSessions", "Sessions", "this node's sessions (one word, one meaning)"),
    Rule("SeatSession", "Session", "a session: a name's stay, its token"),
    Rule(
        r"\bseat sessions\b",
        "sessions",
        "a session is not a kind of seat",
        regex=True,
    ),
    # The Redis back-end's joins, creates and leaves (its attribute too).
    Rule("RedisSeats", "RedisEntries", "a node's joins, creates and leaves"),
    Rule(
        r"(?<!core\.)(?<=\.)seats\b",
        "entries",
        "RedisBackend's RedisEntries, as an attribute",
        scope=("chatroom/backends/redis/*", "tests/cluster/*", "tests/backends/*"),
        regex=True,
    ),
    Rule(
        r"\bseats(?=: Redis(?:Seats|Entries)\b)|(?<=self\.entries = )seats\b",
        "entries",
        "RedisBackend's RedisEntries, as a parameter",
        scope=("chatroom/backends/redis/*",),
        regex=True,
    ),
    # A room's own member limit is not a seat; the entry rule's answer is how
    # many members the room may have with the joiner in.
    Rule("seat_limit", "member_limit", "a room's own member limit (+l)"),
    Rule("seats_for", "members_allowed", "how many members the entry rule allows"),
    # -- place: a room or a conversation someone is in ------------------------
    # A fan-out's Author: its position in its rendering's joins or plain list
    # (before the rule below, which leaves fanout.py alone).
    Rule(
        r"(?<!in )\bplace\b",
        "position",
        "an author's position in a list, not a place",
        scope=("chatroom/core/fanout.py",),
        regex=True,
    ),
    # Backend.place(member, room) looks up a room the member is in, as do the
    # back-ends' implementations, a Redis node's NodeRooms and whatever hands
    # the lookup on (the core's own, Webhooks'). A push's ``data.place`` is
    # the page's (wire) and stays.
    Rule(
        r"(?<!data\.)(?<=\.)place\b|(?<=def )place(?=\()",
        "joined_room",
        "the room a member is in, looked up (not a place)",
        scope=("chatroom/*.py", "tests/*.py", "docs/*.md"),
        unless=("chatroom/core/fanout.py",),
        regex=True,
    ),
    Rule(
        "_place",
        "_joined_room",
        "the core's own lookup of a room its member is in",
        scope=("chatroom/core/*",),
    ),
    # -- keep: hold on to for later; withhold: not hand on yet ----------------
    Rule(
        "_keep_back",
        "_withholds",
        "an event withheld from a member until its message is confirmed",
    ),
    # -- news: news of a user; the lobby hears of changes ----------------------
    Rule(
        r"\blobby's news\b",
        "lobby's changes",
        "the room list's changes (LobbyChanges), not news of a user",
        regex=True,
    ),
    Rule(
        r"\bthe lobby's changes names\b",
        "the lobby's changes name",
        "the plural the rename above makes",
        regex=True,
    ),
    Rule(
        r"\blobby's changes alone is\b",
        "the lobby's changes alone are",
        "the plural the rename above makes",
        regex=True,
    ),
)


# -- applying them --------------------------------------------------------------


def files(root: Path) -> Iterator[tuple[str, Path]]:
    """Every tracked file the rules may rewrite: (its path from root, the path)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", *ROOTS],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for relative in sorted(filter(None, listed.split("\0"))):
        path = root / relative
        if path.suffix not in SUFFIXES and path.name not in NAMES:
            continue
        if any(fnmatch(relative, glob) for glob in EXCLUDED) or not path.is_file():
            continue
        yield relative, path


def overlap(a: Rule, b: Rule) -> bool:
    """Whether some file could be in both rules' scopes (conservatively)."""
    if a.scope == EVERYWHERE or b.scope == EVERYWHERE:
        narrow = b if a.scope == EVERYWHERE else a
        wide = a if narrow is b else b
        return not all(
            any(fnmatch(glob, excluded) for excluded in wide.unless)
            for glob in narrow.scope
        )
    return any(fnmatch(x, y) or fnmatch(y, x) for x in a.scope for y in b.scope)


def check_rules() -> None:
    """Refuse rules that would not be idempotent: a new name one rule writes
    that another (or the same) rule would rewrite again, where both apply."""
    for writer in RULES:
        if writer.regex:
            continue
        for reader in RULES:
            if reader.regex or not overlap(writer, reader):
                continue
            if reader.pattern.search(writer.new):
                raise SystemExit(
                    f"rename rules clash: {writer.old} → {writer.new} is "
                    f"renamed again by {reader.old} → {reader.new}"
                )


def rewrite(relative: str, text: str) -> tuple[str, list[str]]:
    """``text`` with every rule that applies to ``relative``, and which did."""
    used = []
    for rule in RULES:
        if not rule.applies_to(relative):
            continue
        text, count = rule.pattern.subn(rule.new, text)
        if count:
            used.append(f"{rule.label} ×{count}")
    return text, used


def move(root: Path, dry_run: bool) -> list[str]:
    done = []
    for step in MOVES:
        old, new = root / step.old, root / step.new
        if old.exists() and not new.exists():
            done.append(f"git mv {step.old} {step.new}")
            if not dry_run:
                subprocess.run(["git", "mv", step.old, step.new], cwd=root, check=True)
        elif old.exists() and new.exists():
            raise SystemExit(f"both {step.old} and {step.new} exist: merge them first")
    return done


def ruff(root: Path, changed: list[Path]) -> None:
    """Imports sorted again and lines wrapped again where the names moved."""
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        print("ruff not found: run ruff check --fix and ruff format yourself")
        return
    python = [str(p) for p in changed if p.suffix == ".py"]
    if python:
        sort = [found, "check", "--select", "I,RUF022,RUF023", "--fix", "-q"]
        subprocess.run([*sort, *python], cwd=root)
        subprocess.run([found, "format", "-q", *python], cwd=root)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the checkout")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a rename is due"
    )
    parser.add_argument("--dry-run", action="store_true", help="say, change nothing")
    parser.add_argument("--no-ruff", action="store_true", help="skip ruff afterwards")
    options = parser.parse_args(argv)
    root = options.root.resolve()
    check_rules()
    quiet = options.check or options.dry_run
    due = move(root, dry_run=quiet)
    for line in due:
        print(line)
    changed = []
    for relative, path in files(root):
        # A module due to move is read where it is now (dry run, check).
        text = path.read_text(encoding="utf-8")
        new, used = rewrite(relative, text)
        if new == text:
            continue
        due.append(relative)
        print(f"{relative}: {'; '.join(used)}")
        if not quiet:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    if changed and not options.no_ruff:
        ruff(root, changed)
    if not due:
        print("nothing to rename")
    return 1 if options.check and due else 0


if __name__ == "__main__":
    sys.exit(main())
