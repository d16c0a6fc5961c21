"""The Lua every cluster script starts with: the Redis layout as functions.

Each script of :mod:`chatroom.backends.redis.scripts`,
:mod:`~chatroom.backends.redis.node_scripts`,
:mod:`~chatroom.backends.redis.moderation_scripts`
and :mod:`chatroom.backends.redis.accounts` is this prelude plus its own body, so
the keys of the layout (described in :mod:`chatroom.backends.redis.scripts`) and
the steps several scripts take (reading a room's seating, checking a
decision's premises and storing its changes, ending a session, publishing
a room event in order) are written once. No function here decides who is
in a room or makes an event: the nodes do (:mod:`chatroom.core.rooms.membership`,
:mod:`chatroom.backends.redis.outcomes`).

The Lua lives in files beside this module, in ``lua/``, shipped with the
package: one file per script, named after it, which :class:`Script` reads
when given no body; ``prelude.lua``; and a layout's keys of a room, one
file each. ``make test`` lints every script as Redis runs it, composed, with
``luacheck`` (tests/backends/redis/test_lua_lint.py).

A message's script runs as a Redis function (``FCALL``), the same text
recast as a library Redis loads once (:func:`library_of`): the prelude's
functions it uses are made then, not at each message.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.resources
import re
from dataclasses import dataclass

from chatroom.core.model.changes.base import DECLARED, Premise, Subject
from chatroom.core.model.changes.transactions import KEY_SECONDS
from chatroom.core.model.events import DEPENDENT_EVENTS, PLAYBACK_ONLY

#: The folder of the scripts' Lua, inside the installed package.
_LUA = importlib.resources.files("chatroom.backends.redis") / "lua"


def lua_file(name: str) -> str:
    """The text of ``lua/<name>.lua``, as it is: what reaches Redis, so a
    script's SHA-1 is that of its files."""
    return (_LUA / f"{name}.lua").read_text(encoding="utf-8")


#: Shared by every script.
_PRELUDE = lua_file("prelude")

#: A room's keys with every other key, under the prefix (``P room:r``...):
#: one Redis, Sentinel, and a Redis Cluster with every key in one slot.
#: Its newest id is a field of ``P ids``, kept when the room goes.
_ROOMS_WITH_THE_REST = lua_file("rooms-with-the-rest")

#: Each room's keys under a hash tag of its own, ``{T/r}:kind`` where ``T``
#: is the prefix's tag (``{chatroom}:`` gives ``{chatroom/general}:room``):
#: on a Redis Cluster, each room is one slot, and the rooms spread over the
#: cluster's primaries while the rest stays in the prefix's slot
#: (docs/scaling.md, "Rooms spread over a Redis Cluster's shards"). The
#: same functions as :data:`_ROOMS_WITH_THE_REST`; the room's newest id is
#: a key of its own (kept when the room goes, so ids never repeat), and the
#: rooms ever numbered are listed in the prefix's slot (``P numbered``).
_ROOMS_ON_THEIR_OWN = lua_file("rooms-on-their-own")


#: Published events a room keeps in Redis for nodes that missed them.
LOG_SIZE = 1024

#: Private messages the search outbox holds while no node can apply them
#: (PostgreSQL down): about 200 bytes each; older ones are dropped past it.
OUTBOX_SIZE = 1_000_000


def _kinds(kinds: tuple[type, ...]) -> str:
    """A Lua set of the kinds' names: ``{Edited = true, ...}``."""
    return "{" + ", ".join(f"{kind.__name__} = true" for kind in kinds) + "}"


_PRELUDE = _PRELUDE.replace("LOG_SIZE", str(LOG_SIZE))
_PRELUDE = _PRELUDE.replace("OUTBOX_SIZE", str(OUTBOX_SIZE))
_PRELUDE = _PRELUDE.replace("TXN_SECONDS", str(KEY_SECONDS))
#: Which kinds a history window skips, and which go with the message they
#: change when it is redacted, are the core's (one tuple each, read by the
#: local back-end too): Lua is handed the kinds' names, as sets.
_PRELUDE = _PRELUDE.replace("PLAYBACK_KINDS", _kinds(PLAYBACK_ONLY))
_PRELUDE = _PRELUDE.replace("DEPENDENT_KINDS", _kinds(DEPENDENT_EVENTS))


#: The prelude's line that a layout's keys of a room replace.
_ROOM_KEYS = "-- ROOM_KEYS: a layout's keys of a room take this line's place\n"


def _prelude(rooms: str) -> str:
    """The prelude with a layout's room keys (a ``ROOM_KEYS`` snippet)."""
    return _PRELUDE.replace(_ROOM_KEYS, rooms, 1)


#: What a top-level statement of the prelude defines: ``local function f``
#: or ``local A, B = ...`` (every statement of it is one or the other).
_DEFINES = re.compile(r"local\s+(?:function\s+(\w+)|([\w\s,]+?)\s*=)")
_WORD = re.compile(r"[A-Za-z_]\w*")
#: What of a Lua text is not code: its comments and its strings, short
#: (with their escapes) or in long brackets. The leftmost match wins, so a
#: quote in a comment and a ``--`` in a string are read as they are meant.
_NOT_CODE = re.compile(
    r"--\[(=*)\[.*?\]\1\]"
    r"|--[^\n]*"
    r"|\[(=*)\[.*?\]\2\]"
    r"|'(?:\\.|[^'\\\n])*'"
    r'|"(?:\\.|[^"\\\n])*"',
    re.S,
)


def _code_words(lua: str) -> frozenset[str]:
    """The words of ``lua``'s code: the names it may use (and keywords),
    not those of its comments and strings."""
    return frozenset(_WORD.findall(_NOT_CODE.sub(" ", lua)))


@dataclass(frozen=True)
class _Statement:
    """One top-level ``local`` of the prelude: the names it defines, the
    words of its code (a superset of the names it needs) and its text."""

    defines: frozenset[str]
    uses: frozenset[str]
    text: str


#: A branch of the premise interpreter (``premise_holds``): an ``if`` or
#: ``elseif`` of its chains, in the function's first level, on the kinds of
#: premise it reads.
_BRANCH = re.compile(r"  (if|elseif) ((?:kind == '\w+'(?: or )?)+) then")
_BRANCH_KIND = re.compile(r"kind == '(\w+)'")


def _interpreter_for(text: str, premises: frozenset[str]) -> str:
    """``premise_holds``'s ``text`` with the branches of ``premises``
    alone: each chain of its ``if kind == ...`` keeps the branches that
    read one of them (the first kept one its ``if``), a chain with none
    goes whole. What it reads of the prelude goes with the branches that
    read it (:func:`needed_prelude`)."""
    out: list[str] = []
    chain: list[tuple[frozenset[str], list[str]]] | None = None
    for line in text.splitlines(keepends=True):
        branch = _BRANCH.match(line)
        if branch is not None:
            if branch.group(1) == "if":
                chain = []
            assert chain is not None, line
            chain.append((frozenset(_BRANCH_KIND.findall(branch.group(2))), [line]))
        elif chain is not None and line == "  end\n":
            kept = [lines for kinds, lines in chain if kinds & premises]
            for place, lines in enumerate(kept):
                word = "if" if place == 0 else "elseif"
                out.append(_BRANCH.sub(f"  {word} \\2 then", lines[0], count=1))
                out += lines[1:]
            if kept:
                out.append(line)
            chain = None
        elif chain is not None:
            chain[-1][1].append(line)
        else:
            out.append(line)
    return "".join(out)


def _one_space_in(text: str) -> str:
    """A statement's ``text`` with each indented line's indentation one
    space: shorter, and still only its first line and its last ``end`` in
    the first column, where a top-level statement is told."""
    return "".join(
        " " + line.lstrip(" ") if line.startswith(" ") else line
        for line in text.splitlines(keepends=True)
    )


#: The first line of the premise interpreter's statement: the one statement
#: a script's premises narrow (:func:`_interpreter_for`).
_INTERPRETER = "local function premise_holds("


@functools.cache
def _texts(rooms: str) -> tuple[str, ...]:
    """The prelude with a layout's room keys, cut into the texts of its
    top-level statements, comments and blank lines left out.

    A statement starts at a ``local`` in the first column and runs to the
    next one: the prelude's functions are indented and end with an ``end``
    in the first column."""
    texts: list[list[str]] = []
    for line in _prelude(rooms).splitlines(keepends=True):
        if line.startswith("local "):
            texts.append([line])
        elif texts and line.strip() and not line.lstrip().startswith("--"):
            texts[-1].append(line)
    return tuple("".join(lines) for lines in texts)


def _statement(text: str) -> _Statement:
    """One statement of the prelude, indented one space: what a script
    sends is its text, kept short, so that a script's source (sent when
    Redis does not know it yet) stays within what Redis reads of a client
    in one turn (16 KiB), and the commands behind it on the link are
    read, run and answered a few at a time, not all at once
    (tests/cluster/test_redis_stalled.py)."""
    text = _one_space_in(text)
    found = _DEFINES.match(text)
    assert found, f"not a definition: {text.splitlines()[0]!r}"
    names = found.group(1) or found.group(2)
    defines = frozenset(name.strip() for name in names.split(","))
    return _Statement(defines, _code_words(text), text)


@functools.cache
def _statements(rooms: str) -> tuple[_Statement, ...]:
    """The prelude's statements with a layout's room keys, its premise
    interpreter whole: made once a layout, and shared by every script
    (each script's premises narrow one statement of them:
    :func:`_statements_for`; a copy of them all per set of premises
    would hold some 11 MB of every node)."""
    return tuple(_statement(text) for text in _texts(rooms))


@functools.cache
def _interpreter(rooms: str, premises: frozenset[str]) -> _Statement:
    """The premise interpreter reading ``premises`` alone (:func:`_interpreter_for`)."""
    (whole,) = [text for text in _texts(rooms) if text.startswith(_INTERPRETER)]
    return _statement(_interpreter_for(whole, premises))


def _statements_for(
    rooms: str, premises: frozenset[str] | None
) -> tuple[_Statement, ...]:
    """:func:`_statements`, with ``premises`` (None: any) the kinds of
    premise its interpreter reads."""
    statements = _statements(rooms)
    if premises is None:
        return statements
    narrowed = _interpreter(rooms, premises)
    return tuple(
        narrowed if statement.text.startswith(_INTERPRETER) else statement
        for statement in statements
    )


def needed_prelude(
    rooms: str, body: str, premises: frozenset[str] | None = None
) -> str:
    """The statements of the prelude that ``body`` uses, directly or through
    another one, in the prelude's order (a Lua local sees only those
    before it).

    Redis runs a script's whole text at every call, so every function of
    the prelude would be made again per ``EVALSHA``: with all of them, about
    10 µs of Redis's time per call, a tenth of what a message costs it
    (docs/performance.md). A word of the code is taken for a use wherever
    it appears, a field's name too (not a comment's or a string's): a
    statement too many costs a little time, one too few would fail the
    script (the lint's undefined names would show it:
    tests/backends/redis/test_lua_lint.py). ``premises``: the kinds of
    premise the script's changes may rest on (None: any), whose branches
    alone its interpreter carries.
    """
    return "".join(statement.text for statement in _needed(rooms, body, premises))


def _needed(rooms: str, body: str, premises: frozenset[str] | None) -> list[_Statement]:
    """The statements of :func:`needed_prelude`, in the prelude's order."""
    statements = _statements_for(rooms, premises)
    wanted = set(_code_words(body))
    taken: set[int] = set()
    grew = True
    while grew:
        grew = False
        for index, statement in enumerate(statements):
            if index not in taken and statement.defines & wanted:
                taken.add(index)
                wanted |= statement.uses
                grew = True
    return [statements[index] for index in sorted(taken)]


#: A prelude statement that makes a function: made once, when Redis loads
#: a script's library, not at each call.
_FUNCTION = "local function "

#: The name of a script's library and of its one function, after a
#: library's text without it (:func:`library_of`).
_NAME_HERE = "NAME_HERE"


def library_of(
    name: str, statements: list[_Statement], body: str, rooms_apart: bool
) -> tuple[str, bytes]:
    """A script as a Redis library (``FUNCTION LOAD``) of one function,
    and that function's name, unique to its text (Redis's functions share
    one namespace, each library's too).

    Redis runs an ``EVALSHA``'s whole text at each call, so each function
    of the prelude is made again per call (about 2 µs of a message's
    ``SAY``: docs/performance.md); a library's functions are made once,
    when it is loaded. The prelude's other statements (the prefix, the
    operands, the names built from them, the constants and tables) still
    run at each call, first in the function, in their order, each as the
    assignment of a local of the library declared at its top: a call sees
    its own, as under ``EVALSHA``, and no function keeps anything of an
    earlier call. The body runs after them, unchanged.

    A library is loaded without Redis's standard libraries in reach
    (``string``, ``cjson``...): its top makes functions alone. Its flags
    are those of the ``EVAL`` it replaces: a script with a shebang keeps to
    one slot (rooms apart), one without may touch any key.
    """
    per_call = [s for s in statements if not s.text.startswith(_FUNCTION)]
    made = "".join(s.text for s in statements if s.text.startswith(_FUNCTION))
    names = ", ".join(sorted(n for s in per_call for n in s.defines))
    flags = "" if rooms_apart else " flags = {'allow-cross-slot-keys'},\n"
    keys = "KEYS" if "KEYS" in _code_words(body) else "_"
    text = (
        f"#!lua name={_NAME_HERE}\n"
        + (f"local {names}\n" if names else "")
        + made
        + f"redis.register_function{{\n function_name = '{_NAME_HERE}',\n{flags}"
        + f" callback = function({keys}, ARGV)\n"
        + "".join(s.text.removeprefix("local ") for s in per_call)
        + body
        + "\nend}\n"
    )
    digest = hashlib.sha1(text.encode()).hexdigest()[:16]
    function = f"chatroom_{name.replace('-', '_')}_{digest}"
    return function, text.replace(_NAME_HERE, function).encode()


class Script:
    """One Lua script: the shared prelude plus its own body, and its SHA-1.

    Nodes call scripts by hash (``EVALSHA``), or a function by its name
    (``FCALL``), and send the source or the library only when Redis does
    not know it yet (after a restart, say), so neither the text nor its
    name is recomputed per message.
    """

    def __init__(
        self,
        name: str,
        body: str | None = None,
        rooms: str = _ROOMS_WITH_THE_REST,
        *,
        room_at: str | None = None,
        subjects: tuple[type[Subject], ...] = (),
        premises: tuple[type[Premise], ...] = (),
        as_function: bool = False,
    ) -> None:
        self.name = name
        #: Its own Lua: by default the file named after it (:func:`lua_file`).
        self.body = lua_file(name) if body is None else body
        #: Which operand names the room whose keys the script keeps to;
        #: None for a script on the server's keys. Its slot is the one a
        #: node declares to Redis (``KEYS[1]``, :func:`~.calls.slot_key`):
        #: with rooms apart Redis refuses any other, and a Redis Cluster
        #: redirects by it.
        self.room_at = room_at
        #: The subjects of the changes whose premises it checks (``unmet``),
        #: or the ``premises`` themselves, of a subject's that its changes
        #: rest on: its premise interpreter reads the premises they declare
        #: alone (none given: every premise). Redis makes each of the
        #: prelude's functions again at every call: a message's script
        #: carries the branches of a message's premises, not a join's, an
        #: edit's or an account's.
        self.subjects, self.premises = subjects, premises
        kinds = [*premises, *(p for s in subjects for p in DECLARED[s].premises)]
        read = frozenset(kind.__name__ for kind in kinds) if kinds else None
        # A script with a shebang may touch the keys of one slot alone:
        # Redis refuses the rest, on one server as on a cluster of several.
        shebang = "#!lua\n" if rooms is _ROOMS_ON_THEIR_OWN else ""
        statements = _needed(rooms, self.body, read)
        prelude = "".join(statement.text for statement in statements)
        self.source = (shebang + prelude + self.body).encode()
        self.sha = hashlib.sha1(self.source).hexdigest()
        #: With ``as_function``: the script as a Redis function, called by
        #: its name (``FCALL``) and loaded by its library's text (``FUNCTION
        #: LOAD``) where Redis does not know it yet: its prelude's functions
        #: are made once, not at each call (:func:`library_of`). For the
        #: scripts of every message; None: by ``EVALSHA``.
        self.as_function = as_function
        self.function: str | None = None
        self.library: bytes | None = None
        if as_function:
            self.function, self.library = library_of(
                name, statements, self.body, rooms_apart=bool(shebang)
            )

    @functools.cached_property
    def rooms_apart(self) -> Script:
        """This script for the layout whose rooms each have a slot of their
        own (:data:`_ROOMS_ON_THEIR_OWN`): made when a node first runs it
        in that layout. It starts with a shebang (``#!lua``), so that
        Redis refuses any access to a second slot: the tests prove it keeps
        to one."""
        return Script(
            self.name,
            self.body,
            _ROOMS_ON_THEIR_OWN,
            room_at=self.room_at,
            subjects=self.subjects,
            premises=self.premises,
            as_function=self.as_function,
        )
