"""The house in wings, measured: the 23 lines of the spec's *Done when*.

Each concern of the core owns its store and its changes; every decided
write goes through one ``apply``; every rule is decided once, in the core;
the core is split in wings that import one another without a cycle and is
composed once. None of that is seen by a user, so it is kept by reading
the source: Python with :mod:`ast`, the Redis scripts with a small Lua
tokenizer that tells code from comments and strings. Nothing is run or
imported. Each test is named after its line and holds the line's bounds as
named constants; the trickier detectors are shown a small synthetic fault
too, so that a check that cannot fail is not mistaken for a pass.

Class names are unique across ``chatroom/`` (``tests/test_layers.py``,
``test_class_names_are_unique``), so a class is resolved by its name.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from twisted.trial import unittest

from tests.test_layers import CHECKOUT, PACKAGE, cycles, every_import
from tests.test_layers import parsed as parsed_once

CORE = PACKAGE / "core"
BACKENDS = PACKAGE / "backends"
DOORS = PACKAGE / "doors"
REDIS = BACKENDS / "redis"

# -- the bounds, as the spec gives them ----------------------------------------

#: 1: ``Backend``'s public members, its own and its project bases'.
BACKEND_MEMBERS_AT_MOST = 15
#: 2: classes or functions of the core (outside ``Backend``'s module) that
#: take a whole ``Backend``: the composition alone, if it stays in the core.
TAKING_THE_BACKEND_AT_MOST = 1
#: 3: the one method of the Backend surface that takes a change.
THE_ONE_WRITE = "apply"
#: 3: the writes that became changes, named as methods no more.
WRITES_RETIRED = frozenset(
    {
        "enter",
        "leave",
        "say",
        "claim",
        "apply_departures",
        "apply_succession",
        "sign",
        "release",
        "end_user",
        "end_account_sessions",
        "ignoring_changed",
    }
)
#: 4: the publish-only calls, which sit on one bus.
BUS_PREFIXES = ("tell", "relay", "publish", "broadcast", "announce", "emit")
BUS_EXACT = frozenset({"attach"})
BUSES = 1
#: 5: the change vocabulary's modules.
VOCABULARY_MODULES_AT_LEAST = 4
VOCABULARY_MODULE_LINES_AT_MOST = 500
#: 6: the Lua scripts' arguments.
ARGV_FILES = 1
ARGV_2_AT_MOST = 1
JSON_DECODES_OF_ARGV = 1
#: 7: the Lua units naming the premise kinds, and how many they name.
PREMISE_INTERPRETERS = 1
PREMISES_INTERPRETED_AT_LEAST = 0.5
#: 8: premise classes the Redis back-end's Python names.
PREMISES_NAMED_BY_REDIS_AT_MOST = 8
#: 9: subjects one table, match or isinstance chain of a back-end names.
SUBJECTS_IN_ONE_TABLE_BELOW = 8
#: 10: the claim's outcomes, the core's words.
CLAIM_OUTCOMES = frozenset({"TAKEN", "ENDING", "ATTACHED"})
CLAIM_HELD = "HELD"
TAKEOVER_REASON = "signed in elsewhere"
#: 11: what would pick an heir in Lua.
RANDOM_PICKS = frozenset({"SPOP", "SRANDMEMBER"})
#: 12: a schedule's shapes.
SEQUENCES = frozenset({"tuple", "list", "Sequence", "Iterable"})
NUMBERS = frozenset({"int", "float"})
#: 13: an endpoint's move, and how far a Lua read reaches its write.
ENDPOINT_MOVE_OTHER_FIELDS_AT_LEAST = 2
PUSH_READ_TO_WRITE_LINES = 25
#: 14: the doors' room-limit constants, and the chains a door calls the core by.
ROOM_LIMIT_NAME = re.compile(r"(CHAN|ROOM).*(LIMIT|MAX)")
CORE_CHAINS = frozenset({"registry", "rooms", "core", "server"})
ROOM_REFUSALS = frozenset({"ROOM_EXISTS", "NO_SUCH_ROOM"})
#: 15: the core's wings.
CORE_TOP_MODULES_AT_MOST = 15
WINGS_AT_LEAST = 4
WING_MODULES_AT_LEAST = 3
FOLDER_MODULES_AT_MOST = 30
#: 16: the composition.
COMPOSED_SERVICES_AT_LEAST = 6
COMPOSING_LINES_AT_MOST = 60
LATE_WIRING = re.compile(
    r"^(attach.*|bind.*|wire.*|connect|install.*|set_.*|register.*|use|plug.*)$"
)
LATE_GROWING = frozenset({"append", "extend", "add", "insert", "update"})
NOT_COMPOSING = ("chatroom.bench", "chatroom.client")
#: 18: the performance doc.
HASHES_IN_PERFORMANCE_AT_MOST = 20
PERFORMANCE_LINE_AT_MOST = 1000
HASHES_IN_HISTORY_AT_LEAST = 50
HASH = re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")
#: 19: the calls that enumerate the premises.
ENUMERATING = (
    "__subclasses__",
    "issubclass(",
    "inspect.getmembers",
    "dataclasses.fields",
    "vars(",
)
#: 20: ``type: ignore`` lines in ``chatroom/``.
TYPE_IGNORES_AT_MOST = 10


# -- Python, read ---------------------------------------------------------------


def tree_of(path: Path) -> ast.Module:
    """The parsed module at ``path`` (parsed once, with the layers' test)."""
    return parsed_once(path)


def python_files(under: Path) -> list[Path]:
    return sorted(under.rglob("*.py"))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(CHECKOUT)}:{getattr(node, 'lineno', 0)}"


def dotted(node: ast.AST) -> str:
    """``a.b.c`` of a name or attribute chain (calls and subscripts kept
    as their source)."""
    return ast.unparse(node)


def names_in(node: ast.AST) -> set[str]:
    """Every identifier ``node`` names: names, attributes, and the words of
    string annotations."""
    found: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name):
            found.add(inner.id)
        elif isinstance(inner, ast.Attribute):
            found.add(inner.attr)
        elif isinstance(inner, ast.Constant) and isinstance(inner.value, str):
            found.update(re.findall(r"[A-Za-z_]\w*", inner.value))
    return found


@dataclass
class ClassInfo:
    """One class of ``chatroom/``: where, its bases' names, its body."""

    name: str
    path: Path
    node: ast.ClassDef
    bases: list[str]

    @property
    def is_protocol(self) -> bool:
        return "Protocol" in self.bases

    def fields(self) -> dict[str, ast.expr]:
        """Its class-body annotations (a dataclass's fields), by name."""
        return {
            stmt.target.id: stmt.annotation
            for stmt in self.node.body
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
        }


def classes_of(path: Path, tree: ast.Module) -> Iterator[ClassInfo]:
    """The classes of a module, each base by its class name if it is
    chatroom's (defined in the module, or imported from chatroom), else by
    its dotted source (``txredisapi.SubscriberProtocol``), so that an
    outside base of the same name is not taken for the project's."""
    ours = _project_bound(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = []
            for base in node.bases:
                base = base.value if isinstance(base, ast.Subscript) else base
                root = base
                while isinstance(root, ast.Attribute):
                    root = root.value
                ours_too = isinstance(root, ast.Name) and root.id in ours
                text = dotted(base)
                bases.append(
                    text.rpartition(".")[2] if ours_too or "." not in text else text
                )
            yield ClassInfo(node.name, path, node, bases)


def _project_bound(tree: ast.Module) -> set[str]:
    """The names a module binds to chatroom's own: its classes, and what it
    imports from chatroom (classes and modules alike)."""
    bound = {node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (
            node.level or (node.module or "").startswith("chatroom")
        ):
            bound |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            bound |= {
                alias.asname or alias.name.partition(".")[0]
                for alias in node.names
                if alias.name.startswith("chatroom")
            }
    return bound


@cache
def project_classes() -> dict[str, ClassInfo]:
    """Every class of ``chatroom/`` by name."""
    return {
        info.name: info
        for path in python_files(PACKAGE)
        for info in classes_of(path, tree_of(path))
    }


def ancestry(name: str, classes: dict[str, ClassInfo]) -> list[ClassInfo]:
    """The class ``name`` and its project bases, nearest first."""
    seen: list[ClassInfo] = []
    todo = [name]
    while todo:
        info = classes.get(todo.pop(0))
        if info is None or info in seen:
            continue
        seen.append(info)
        todo.extend(info.bases)
    return seen


def subclasses(base: str, classes: dict[str, ClassInfo]) -> set[str]:
    """The project classes under ``base`` (itself left out)."""
    children: dict[str, list[str]] = {}
    for name, info in classes.items():
        for parent in info.bases:
            children.setdefault(parent, []).append(name)
    found: set[str] = set()
    todo = [base]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    found.discard(base)
    return found


def leaves(base: str, classes: dict[str, ClassInfo]) -> set[str]:
    under = subclasses(base, classes)
    return {
        name for name in under if not any(b in under for b in _children(name, classes))
    }


def _children(name: str, classes: dict[str, ClassInfo]) -> list[str]:
    return [other for other, info in classes.items() if name in info.bases]


@cache
def premise_classes() -> frozenset[str]:
    return frozenset(subclasses("Premise", project_classes()))


@cache
def operation_classes() -> frozenset[str]:
    return frozenset(subclasses("Operation", project_classes()))


def change_class() -> ClassInfo:
    """The change class: the class of the vocabulary with a ``subject`` field
    and premises (``DecidedChange``)."""
    [found] = [
        info
        for info in project_classes().values()
        if "subject" in info.fields()
        and "premises" in info.fields()
        and "type" not in names_in(info.fields()["subject"])  # not a declaration's
    ]
    return found


@cache
def subject_classes() -> frozenset[str]:
    """The subjects, as the change class's ``subject`` field's type names
    them: the leaf subclasses of a base class, or the names of a union."""
    classes = project_classes()
    named = names_in(change_class().fields()["subject"]) & set(classes)
    if len(named) == 1:
        [base] = named
        return frozenset(leaves(base, classes) or {base})
    return frozenset(named)


def members_of(info: ClassInfo) -> dict[str, ast.AST]:
    """Public methods, properties and annotated attributes of a class's own
    body, by name."""
    found: dict[str, ast.AST] = {}
    for stmt in info.node.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = stmt.name
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            name = stmt.target.id
        else:
            continue
        if not name.startswith("_"):
            found.setdefault(name, stmt)
    return found


def is_property(node: ast.AST) -> bool:
    return isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        dotted(d) == "property" or dotted(d).endswith(".setter")
        for d in node.decorator_list
    )


def arguments(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    args = node.args
    return [
        *args.posonlyargs,
        *args.args,
        *args.kwonlyargs,
        *filter(None, (args.vararg, args.kwarg)),
    ]


def backend_class() -> ClassInfo:
    """``Backend``: a Protocol of that name under ``chatroom/core``."""
    info = project_classes()["Backend"]
    assert CORE in info.path.parents and info.is_protocol, info
    return info


@cache
def surface() -> tuple[ClassInfo, ...]:
    """The Backend surface: ``Backend`` and every Protocol or ABC of the core
    its properties and attributes lead to, followed recursively (with the
    project bases of each, whose members are its own)."""
    classes = project_classes()
    found: list[ClassInfo] = []
    todo = ["Backend"]
    while todo:
        for info in ancestry(todo.pop(0), classes):
            if info in found:
                continue
            found.append(info)
            for member in members_of(info).values():
                annotation: ast.expr | None
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    if not is_property(member):
                        continue
                    annotation = member.returns
                elif isinstance(member, ast.AnnAssign):
                    annotation = member.annotation
                else:
                    continue
                for name in names_in(annotation) if annotation else ():
                    led = classes.get(name)
                    if led and CORE in led.path.parents and is_interface(led, classes):
                        todo.append(name)
    return tuple(found)


def is_interface(info: ClassInfo, classes: dict[str, ClassInfo]) -> bool:
    """A Protocol or an ABC (by its bases, or metaclass)."""
    return any(
        a.is_protocol
        or "ABC" in a.bases
        or any(
            k.arg == "metaclass" and "ABCMeta" in dotted(k.value)
            for k in a.node.keywords
        )
        for a in ancestry(info.name, classes)
    )


def methods(info: ClassInfo) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for stmt in info.node.body:
        if isinstance(
            stmt, (ast.FunctionDef, ast.AsyncFunctionDef)
        ) and not is_property(stmt):
            yield stmt


def functions_in(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node


def own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of ``function``'s body, those of functions nested in it left
    to them."""
    todo = list(ast.iter_child_nodes(function))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
        ):
            todo.extend(ast.iter_child_nodes(node))


def module_of(path: Path) -> str:
    parts = path.relative_to(CHECKOUT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


# -- Lua, tokenized ---------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    """A Lua token: ``name``, ``number``, ``string`` (its value unquoted)
    or ``op``; comments are dropped."""

    kind: str
    text: str
    line: int


_LONG_OPEN = re.compile(r"\[(=*)\[")
_LUA_TOKEN = re.compile(
    r"(?P<name>[A-Za-z_]\w*)|(?P<number>0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?)"
    r"|(?P<op>\.\.\.|\.\.|==|~=|<=|>=|::|//|<<|>>|[^\s\w])"
)


def lua_tokens(source: str) -> list[Token]:
    """``source``'s tokens, its comments dropped and its strings kept as
    ``string`` tokens (short strings with their escapes, and long
    brackets)."""
    tokens: list[Token] = []
    i, line, end = 0, 1, len(source)
    while i < end:
        char = source[i]
        if char == "\n":
            line += 1
            i += 1
        elif char.isspace():
            i += 1
        elif source.startswith("--", i):
            long = _LONG_OPEN.match(source, i + 2)
            if long:
                close = source.find(f"]{long.group(1)}]", long.end())
                close = end if close < 0 else close + len(long.group(0))
            else:
                close = source.find("\n", i)
                close = end if close < 0 else close
            line += source.count("\n", i, close)
            i = close
        elif char in "'\"":
            j = i + 1
            while j < end and source[j] != char:
                j += 2 if source[j] == "\\" else 1
            tokens.append(Token("string", source[i + 1 : j], line))
            line += source.count("\n", i, j)
            i = j + 1
        elif (long := _LONG_OPEN.match(source, i)) is not None:
            close = source.find(f"]{long.group(1)}]", long.end())
            close = end if close < 0 else close
            tokens.append(Token("string", source[long.end() : close], line))
            line += source.count("\n", i, close)
            i = close + len(long.group(0))
        else:
            match = _LUA_TOKEN.match(source, i)
            assert match is not None and match.lastgroup is not None
            tokens.append(Token(match.lastgroup, match.group(), line))
            i = match.end()
    return tokens


@dataclass
class LuaUnit:
    """A top-level ``local function``, ``function``, or ``local X =``
    function or table of a Lua file, with its tokens; name ``""`` for the
    script's own body (every top-level token outside a unit)."""

    path: str
    name: str
    line: int
    tokens: list[Token] = field(default_factory=list)


_OPENS = frozenset({"function", "do", "if", "repeat"})
_CLOSES = frozenset({"end", "until"})


def lua_units(path: str, tokens: list[Token]) -> list[LuaUnit]:
    """The top-level units of a file, then its own body."""
    body = LuaUnit(path, "", 1)
    units: list[LuaUnit] = []
    depth, i = 0, 0
    current: LuaUnit | None = None
    while i < len(tokens):
        token = tokens[i]
        if depth == 0 and current is None:
            named = _unit_start(tokens, i)
            if named is not None:
                current = LuaUnit(path, named, token.line)
                units.append(current)
        (current or body).tokens.append(token)
        if (token.kind == "name" and token.text in _OPENS) or (
            token.text in "({[" and token.kind == "op"
        ):
            depth += 1
        elif (token.kind == "name" and token.text in _CLOSES) or (
            token.text in ")}]" and token.kind == "op"
        ):
            depth -= 1
            if depth == 0 and current is not None:
                current = None
        i += 1
    return [*units, body]


def _unit_start(tokens: list[Token], i: int) -> str | None:
    texts = [t.text for t in tokens[i : i + 4]]
    if texts[:2] == ["local", "function"] and len(texts) > 2:
        return texts[2]
    if texts[:1] == ["function"] and len(texts) > 1:
        return texts[1]
    if (
        texts[:1] == ["local"]
        and len(texts) == 4
        and texts[2] == "="
        and texts[3] in ("function", "{")
    ):
        return texts[1]
    return None


@cache
def lua_files() -> dict[str, list[Token]]:
    """Every ``.lua`` file under ``chatroom/`` by its path, tokenized."""
    return {
        str(path.relative_to(CHECKOUT)): lua_tokens(path.read_text())
        for path in sorted(PACKAGE.rglob("*.lua"))
    }


# -- the detectors ----------------------------------------------------------------


def argv_faults(files: dict[str, list[Token]]) -> list[str]:
    """Each use of ``ARGV`` other than a literal ``ARGV[1]`` or one
    ``ARGV[2]``, the files using it beyond one, and the ``cjson.decode``s
    of ``ARGV`` other than one."""
    faults: list[str] = []
    using: list[str] = []
    seconds = decodes = 0
    for path, tokens in files.items():
        texts = [t.text for t in tokens]
        for i, token in enumerate(tokens):
            if token.kind != "name" or token.text != "ARGV":
                continue
            if path not in using:
                using.append(path)
            before, after = texts[i - 1] if i else "", texts[i + 1 : i + 4]
            if before == "#":
                faults.append(f"{path}:{token.line}: #ARGV")
            elif (
                after[:1] != ["["] or after[2:3] != ["]"] or after[1] not in ("1", "2")
            ):
                faults.append(
                    f"{path}:{token.line}: ARGV{''.join(after)}"
                    " (not ARGV[1] or ARGV[2])"
                )
            elif after[1] == "2":
                seconds += 1
            if texts[max(0, i - 4) : i] == ["cjson", ".", "decode", "("]:
                decodes += 1
    if seconds > ARGV_2_AT_MOST:
        faults.append(f"ARGV[2] read {seconds} times")
    if len(using) > ARGV_FILES:
        faults.append(f"ARGV in {len(using)} files: {', '.join(using[:5])}...")
    if decodes != JSON_DECODES_OF_ARGV:
        faults.append(f"{decodes} cjson.decode of ARGV")
    return faults


@dataclass
class Interpreters:
    """Where the premise kinds are named in Lua, and who reads premises
    elsewhere."""

    naming: dict[str, set[str]]
    strays: list[str]


def premise_interpreters(
    files: dict[str, list[Token]], premises: AbstractSet[str]
) -> Interpreters:
    """The Lua units naming premise kinds (as strings, or ``Kind =
    function`` keys), and each read of ``.premises`` outside the one unit
    naming them and the named functions that call it."""
    units = [unit for path, tokens in files.items() for unit in lua_units(path, tokens)]
    naming: dict[str, set[str]] = {}
    for unit in units:
        kinds = {
            t.text
            for i, t in enumerate(unit.tokens)
            if t.text in premises
            and (
                t.kind == "string"
                or (
                    t.kind == "name"
                    and [x.text for x in unit.tokens[i + 1 : i + 3]]
                    == ["=", "function"]
                )
            )
        }
        if kinds:
            naming[f"{unit.path}:{unit.line} {unit.name or '(body)'}"] = kinds
    interpreter = ""
    if len(naming) == 1:
        interpreter = next(iter(naming)).rpartition(" ")[2]
    strays = []
    for unit in units:
        texts = [t.text for t in unit.tokens]
        calls_it = unit.name and any(
            texts[i : i + 2] == [interpreter, "("] for i in range(len(texts))
        )
        if (unit.name == interpreter and interpreter) or calls_it:
            continue
        strays += [
            f"{unit.path}:{t.line} {unit.name or '(body)'} reads .premises"
            for i, t in enumerate(unit.tokens)
            if t.text == "premises" and i and texts[i - 1] == "."
        ]
    return Interpreters(naming, list(dict.fromkeys(strays)))


def backend_takers(sources: dict[Path, ast.Module], backend_module: Path) -> list[str]:
    """The core's classes and functions (outermost) with a parameter or a
    field typed with ``Backend``, or with an alias or TypeVar bound to it.

    A class counts once however many of its methods take it (the line
    counts "class or function"), and a method is its class's; a field is
    any annotated name in it (``self.backend: Backend``, a class field)."""
    aliases = {"Backend"}
    for tree in sources.values():
        for node in ast.walk(tree):
            value = None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                value, target = node.value, node.targets[0]
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                value, target = node.value, node.target
            elif type(node).__name__ == "TypeAlias":  # ``type X = ...``, 3.12
                value, target = getattr(node, "value"), getattr(node, "name")  # noqa: B009
            if (
                value is not None
                and isinstance(target, ast.Name)
                and names_in(value) & {"Backend"}
                and (
                    not isinstance(value, ast.Call)
                    or dotted(value.func).endswith("TypeVar")
                )
            ):
                aliases.add(target.id)
    found = []
    for path, tree in sources.items():
        if path == backend_module:
            continue
        for top in tree.body:
            if not isinstance(
                top, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            ):
                continue
            typed = [
                node.annotation
                for node in ast.walk(top)
                if isinstance(node, ast.arg) and node.annotation is not None
            ] + [
                node.annotation
                for node in ast.walk(top)
                if isinstance(node, ast.AnnAssign)
            ]
            if any(names_in(annotation) & aliases for annotation in typed):
                found.append(f"{where(path, top)} {top.name}")
    return found


def mixin_faults(sources: dict[Path, ast.Module]) -> list[str]:
    """Classes named ``*Mixin``; classes with two or more concrete project
    bases; base classes declaring annotation-only state that neither they
    nor their bases initialise."""
    classes = {
        info.name: info
        for path, tree in sources.items()
        for info in classes_of(path, tree)
    }
    faults = []
    used_as_base = {base for info in classes.values() for base in info.bases}
    for name, info in sorted(classes.items()):
        if name.endswith("Mixin"):
            faults.append(f"{where(info.path, info.node)} {name} is a mixin")
        concrete = [
            b
            for b in info.bases
            if b in classes and not is_interface(classes[b], classes)
        ]
        if len(concrete) >= 2:
            faults.append(
                f"{where(info.path, info.node)} {name} inherits {', '.join(concrete)}"
            )
        if (
            name not in used_as_base
            or is_interface(info, classes)
            or _declares_its_fields(info)
        ):
            continue
        lineage = ancestry(name, classes)
        initialised = {
            target.attr
            for a in lineage
            for node in ast.walk(a.node)
            for target in _assigned(node)
            if isinstance(target, ast.Attribute) and dotted(target.value) == "self"
        } | {
            stmt.target.id
            for a in lineage
            for stmt in a.node.body
            if isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and stmt.value is not None
        }
        for stmt in info.node.body:
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and stmt.value is None
                and "ClassVar" not in dotted(stmt.annotation)
                and stmt.target.id not in initialised
            ):
                faults.append(
                    f"{where(info.path, stmt)} {name}.{stmt.target.id}"
                    " is borrowed state"
                )
    return faults


def _declares_its_fields(info: ClassInfo) -> bool:
    """A dataclass, NamedTuple, TypedDict or Enum: its annotations are its
    fields, set by what it is."""
    return any(
        "dataclass" in dotted(d) or dotted(d).startswith("attr")
        for d in info.node.decorator_list
    ) or any(
        b in ("NamedTuple", "TypedDict", "Enum", "IntEnum", "StrEnum", "Exception")
        for b in info.bases
    )


def _assigned(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in _unpacked(target)]
    if isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        return [node.target]
    if (
        isinstance(node, ast.Call)
        and dotted(node.func) in ("setattr", "object.__setattr__")
        and len(node.args) >= 2
        and isinstance(node.args[1], ast.Constant)
    ):
        # ``setattr(self, "name", ...)`` initialises ``name``
        return [ast.Attribute(value=node.args[0], attr=str(node.args[1].value))]
    return []


def _unpacked(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [t for inner in target.elts for t in _unpacked(inner)]
    if isinstance(target, ast.Starred):
        return _unpacked(target.value)
    return [target]


def stub_faults(sources: dict[Path, ast.Module]) -> list[str]:
    """Each ``raise NotImplementedError`` outside a Protocol or ABC class."""
    classes = dict(project_classes())
    classes.update(
        {
            info.name: info
            for path, tree in sources.items()
            for info in classes_of(path, tree)
        }
    )
    faults = []

    def visit(path: Path, node: ast.AST, inside: ClassInfo | None) -> None:
        if isinstance(node, ast.ClassDef):
            inside = classes.get(node.name)
        if isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if dotted(raised) == "NotImplementedError" and (
                inside is None or not is_interface(inside, classes)
            ):
                faults.append(
                    f"{where(path, node)} raise NotImplementedError in "
                    f"{inside.name if inside else 'no class'}"
                )
        for child in ast.iter_child_nodes(node):
            visit(path, child, inside)

    for path, tree in sources.items():
        visit(path, tree, None)
    return faults


def service_classes() -> set[str]:
    """The core's service classes: each class of ``chatroom/core`` with its
    own ``__init__``."""
    return {
        info.name
        for info in project_classes().values()
        if CORE in info.path.parents
        and any(
            isinstance(s, ast.FunctionDef) and s.name == "__init__"
            for s in info.node.body
        )
    }


def built(node: ast.AST, services: set[str]) -> str | None:
    """The service class ``node`` constructs, if it does."""
    if isinstance(node, ast.Call):
        name = dotted(node.func).rpartition(".")[2]
        if name in services:
            return name
    return None


def composing_faults(
    sources: dict[Path, ast.Module], services: set[str]
) -> tuple[list[str], list[str]]:
    """The composing functions (building six or more services), and each
    fault of theirs: too long, a lambda, a part wired late."""
    composing, faults = [], []
    for path, tree in sources.items():
        if module_of(path).startswith(NOT_COMPOSING):
            continue
        for function in functions_in(tree):
            mine = list(own_nodes(function))
            if (
                sum(built(node, services) is not None for node in mine)
                < COMPOSED_SERVICES_AT_LEAST
            ):
                continue
            name = f"{where(path, function)} {function.name}"
            composing.append(name)
            length = (function.end_lineno or 0) - function.lineno + 1
            if ast.get_docstring(function) is not None:
                doc = function.body[0]
                length -= (doc.end_lineno or 0) - doc.lineno + 1
            if length > COMPOSING_LINES_AT_MOST:
                faults.append(f"{name} is {length} lines")
            faults += [
                f"{where(path, node)} a lambda in {function.name}"
                for node in ast.walk(function)
                if isinstance(node, ast.Lambda)
            ]
            parts = {
                target.id
                for node in mine
                if isinstance(node, (ast.Assign, ast.AnnAssign))
                and isinstance(getattr(node, "value", None), (ast.Call, ast.Await))
                for target in (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                if isinstance(target, ast.Name)
            }
            for node in mine:
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                    chain = node.func.value
                    if root_name(chain) not in parts:
                        continue
                    if (
                        isinstance(chain, ast.Name)
                        and LATE_WIRING.match(node.func.attr)
                    ) or (
                        isinstance(chain, ast.Attribute)
                        and node.func.attr in LATE_GROWING
                    ):
                        faults.append(
                            f"{where(path, node)} {dotted(node.func)}() wires late"
                        )
                for target in (
                    _assigned(node)
                    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
                    else ()
                ):
                    if isinstance(target, ast.Attribute) and root_name(target) in parts:
                        faults.append(f"{where(path, node)} {dotted(target)} set late")
    return composing, faults


def root_name(chain: ast.expr) -> str | None:
    """The name an attribute chain starts from (``a`` of ``a.b.c``)."""
    while isinstance(chain, ast.Attribute):
        chain = chain.value
    return chain.id if isinstance(chain, ast.Name) else None


def lambdas_to_services(
    sources: dict[Path, ast.Module], services: set[str]
) -> list[str]:
    """Each ``lambda`` handed to a service class's constructor."""
    return [
        f"{where(path, node)} a lambda handed to {built(node, services)}"
        for path, tree in sources.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and built(node, services)
        and any(
            isinstance(a, ast.Lambda)
            for a in [*node.args, *(k.value for k in node.keywords)]
        )
    ]


def two_phase_faults(sources: dict[Path, ast.Module]) -> list[str]:
    """Methods that only bind their parameters to attributes ``__init__``
    left ``None`` or a ``lambda``."""
    faults = []
    for path, tree in sources.items():
        for info in classes_of(path, tree):
            init = next(
                (
                    s
                    for s in info.node.body
                    if isinstance(s, ast.FunctionDef) and s.name == "__init__"
                ),
                None,
            )
            if init is None:
                continue
            placeholders = {
                target.attr
                for node in ast.walk(init)
                if isinstance(node, (ast.Assign, ast.AnnAssign))
                and (
                    isinstance(node.value, ast.Lambda)
                    or (
                        isinstance(node.value, ast.Constant)
                        and node.value.value is None
                    )
                )
                for target in _assigned(node)
                if isinstance(target, ast.Attribute) and dotted(target.value) == "self"
            }
            for method in methods(info):
                if method.name == "__init__":
                    continue
                body = (
                    method.body[1:]
                    if ast.get_docstring(method) is not None
                    else method.body
                )
                params = {a.arg for a in arguments(method)}
                binds = [
                    s
                    for s in body
                    if isinstance(s, (ast.Assign, ast.AnnAssign))
                    and all(
                        isinstance(t, ast.Attribute) and dotted(t.value) == "self"
                        for t in _assigned(s)
                    )
                    and isinstance(s.value, ast.Name)
                    and s.value.id in params
                ]
                if (
                    body
                    and len(binds) == len(body)
                    and all(
                        t.attr in placeholders
                        for s in binds
                        for t in _assigned(s)
                        if isinstance(t, ast.Attribute)
                    )
                ):
                    faults.append(
                        f"{where(path, method)} {info.name}.{method.name} sets up late"
                    )
    return faults


def chain_names(node: ast.expr) -> set[str]:
    return set(re.findall(r"\w+", dotted(node)))


def _words(name: str) -> set[str]:
    return set(name.lower().split("_"))


def door_faults(sources: dict[Path, ast.Module]) -> list[str]:
    """What a door decides that the core should: a room limit of its own, a
    room count compared with one, a join-or-create raced by hand, a
    redemption's refusal of its own."""
    faults = []
    for path, tree in sources.items():
        for stmt in tree.body:
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            value = getattr(stmt, "value", None)
            for target in targets:
                if (
                    isinstance(target, ast.Name)
                    and ROOM_LIMIT_NAME.search(target.id)
                    and isinstance(value, ast.Constant)
                    and type(value.value) is int
                ):
                    faults.append(f"{where(path, stmt)} {target.id} = {value.value}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Compare):
                sides = [node.left, *node.comparators]
                counted = [
                    s
                    for s in sides
                    if isinstance(s, ast.Call)
                    and dotted(s.func) == "len"
                    and s.args
                    and re.search("room|chan", dotted(s.args[0]), re.I)
                ]
                bounds = [s for s in sides if s not in counted]
                if counted and any(
                    not (isinstance(b, ast.Constant) and b.value in (0, 1))
                    for b in bounds
                ):
                    faults.append(f"{where(path, node)} {dotted(node)}")
        for function in functions_in(tree):
            calls = [n for n in own_nodes(function) if isinstance(n, ast.Call)]
            on_core = [
                c.func.attr
                for c in calls
                if isinstance(c.func, ast.Attribute)
                and chain_names(c.func.value) & CORE_CHAINS
            ]
            # ``enter_or_create`` is the core's one call that both does: neither
            # a join nor a create by hand.
            joins = [
                m
                for m in on_core
                if _words(m) & {"join", "enter"} and "create" not in _words(m)
            ]
            creates = [
                m
                for m in on_core
                if "create" in _words(m) and not _words(m) & {"join", "enter"}
            ]
            refusals = [
                n
                for n in own_nodes(function)
                if isinstance(n, ast.Compare)
                and any(
                    isinstance(c, ast.Constant) and c.value in ROOM_REFUSALS
                    for c in ast.walk(n)
                )
            ]
            if creates and (joins or refusals):
                faults.append(
                    f"{where(path, function)} {function.name} joins or creates by hand"
                )
            redeems = any(dotted(c.func).rpartition(".")[2] == "redeem" for c in calls)
            raises = [
                n
                for n in own_nodes(function)
                if isinstance(n, ast.Raise)
                and n.exc is not None
                and "UsageError"
                not in dotted(n.exc.func if isinstance(n.exc, ast.Call) else n.exc)
            ]
            if redeems and raises:
                faults.append(
                    f"{where(path, raises[0])} {function.name}"
                    " refuses a redemption itself"
                )
    return faults


def push_python_faults(sources: dict[Path, ast.Module]) -> list[str]:
    """A function that reads a value with ``.get()``, compares it with
    ``!=``, and hands it to a call in that ``if``."""
    faults = []
    for path, tree in sources.items():
        for function in functions_in(tree):
            got = set()
            for node in own_nodes(function):
                if (
                    isinstance(node, (ast.Assign, ast.AnnAssign))
                    and node.value is not None
                ):
                    value = (
                        node.value.value
                        if isinstance(node.value, ast.Await)
                        else node.value
                    )
                    if (
                        isinstance(value, ast.Call)
                        and isinstance(value.func, ast.Attribute)
                        and value.func.attr == "get"
                    ):
                        got |= {
                            t.id for t in _assigned(node) if isinstance(t, ast.Name)
                        }
            for node in own_nodes(function):
                if not isinstance(node, ast.If):
                    continue
                compared = {
                    n.id
                    for c in ast.walk(node.test)
                    if isinstance(c, ast.Compare)
                    and any(isinstance(o, ast.NotEq) for o in c.ops)
                    for n in ast.walk(c)
                    if isinstance(n, ast.Name) and n.id in got
                }
                handed = {
                    n.id
                    for stmt in node.body
                    for c in ast.walk(stmt)
                    if isinstance(c, ast.Call)
                    for a in [*c.args, *(k.value for k in c.keywords)]
                    for n in ast.walk(a)
                    if isinstance(n, ast.Name) and n.id in compared
                }
                if handed:
                    faults.append(
                        f"{where(path, node)} {', '.join(sorted(handed))}"
                        " read, compared and handed on"
                    )
    return faults


_LUA_WRITES = frozenset(
    [
        "SET",
        "SETEX",
        "HSET",
        "HMSET",
        "HDEL",
        "HINCRBY",
        "DEL",
        "SADD",
        "SREM",
        "ZADD",
        "ZREM",
        "LPUSH",
        "RPUSH",
        "LREM",
        "EXPIRE",
        "PEXPIRE",
        "RENAME",
        "INCR",
        "DECR",
    ]
)


def push_lua_faults(files: dict[str, list[Token]]) -> list[str]:
    """A value read with ``HGET``/``GET``, compared with ``~=``, then a key
    built from it written within :data:`PUSH_READ_TO_WRITE_LINES` lines."""
    faults = []
    for path, tokens in files.items():
        if "push" not in Path(path).name:
            continue
        texts = [t.text for t in tokens]
        for i, token in enumerate(tokens):
            if not (
                token.text == "local"
                and texts[i + 2 : i + 7] == ["=", "redis", ".", "call", "("]
                and i + 7 < len(tokens)
                and tokens[i + 7].kind == "string"
                and tokens[i + 7].text.upper() in ("GET", "HGET")
            ):
                continue
            value, start = texts[i + 1], token.line
            near = [
                (j, t)
                for j, t in enumerate(tokens)
                if start <= t.line <= start + PUSH_READ_TO_WRITE_LINES and j > i + 7
            ]
            compared = any(
                t.text == "~=" and value in (texts[j - 1], texts[j + 1])
                for j, t in near
            )
            if not compared:
                continue
            for j, t in near:
                if (
                    texts[j : j + 4] == ["redis", ".", "call", "("]
                    and tokens[j + 4].kind == "string"
                    and tokens[j + 4].text.upper() in _LUA_WRITES
                ):
                    key = _lua_argument(tokens, j + 6)
                    if value in key:
                        faults.append(
                            f"{path}:{t.line} writes a key built from {value}"
                            f" (read at {start})"
                        )
    return faults


def _lua_argument(tokens: list[Token], i: int) -> list[str]:
    """The tokens of one call argument from ``i``, to its comma or
    parenthesis."""
    depth, found = 0, []
    for token in tokens[i:]:
        if token.kind == "op" and token.text in "({[":
            depth += 1
        elif token.kind == "op" and token.text in ")}]":
            if depth == 0:
                break
            depth -= 1
        elif token.text == "," and depth == 0:
            break
        found.append(token.text)
    return found


def subjects_tabled(
    sources: dict[Path, ast.Module], subjects: AbstractSet[str]
) -> list[str]:
    """Each dict display, ``match`` statement or function's ``isinstance``
    chain naming :data:`SUBJECTS_IN_ONE_TABLE_BELOW` subjects or more."""
    faults = []
    for path, tree in sources.items():
        for node in ast.walk(tree):
            named: set[str] = set()
            if isinstance(node, (ast.Dict, ast.Match)):
                named = names_in(node) & subjects
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                named = {
                    name
                    for c in own_nodes(node)
                    if isinstance(c, ast.Call)
                    and dotted(c.func) == "isinstance"
                    and len(c.args) == 2
                    for name in names_in(c.args[1]) & subjects
                }
            if len(named) >= SUBJECTS_IN_ONE_TABLE_BELOW:
                faults.append(
                    f"{where(path, node)} {type(node).__name__}"
                    f" names {len(named)} subjects"
                )
    return faults


def sources_under(folder: Path) -> dict[Path, ast.Module]:
    return {path: tree_of(path) for path in python_files(folder)}


def synthetic(**modules: str) -> dict[Path, ast.Module]:
    """Synthetic modules, by a name, as if under ``chatroom/``."""
    return {
        PACKAGE / f"{name}.py": ast.parse(source) for name, source in modules.items()
    }


# -- the lines --------------------------------------------------------------------


class WingsShapeTests(unittest.TestCase):
    """The 23 lines of the spec's *Done when* (the house in wings)."""

    def test_backend_thin(self) -> None:
        """``Backend`` is a composition: the concern stores, one bus,
        ``apply`` and the back-end's life, at most 15 public members with its
        project bases'. The reads that were on it live with their concerns,
        so a service is handed its concern's store, not the whole back-end."""
        members: set[str] = set()
        for info in ancestry("Backend", project_classes()):
            members |= set(members_of(info))
        self.assertLessEqual(len(members), BACKEND_MEMBERS_AT_MOST, sorted(members))

    def test_services_take_their_store(self) -> None:
        """A service of the core takes its own concern's store (and the
        ``apply`` it needs), never the whole ``Backend``: the one class or
        function allowed is the composition, if it stays in the core."""
        backend = backend_class()
        taking = backend_takers(sources_under(CORE), backend.path)
        self.assertLessEqual(len(taking), TAKING_THE_BACKEND_AT_MOST, taking)

    def test_apply_is_the_one_write(self) -> None:
        """Every decided write goes through one ``apply``: on the Backend
        surface no other method takes a change, a premise or an operation,
        and the writes once made with plain arguments (enter, say, sign,
        release...) are named as methods no more."""
        classes = project_classes()
        vocabulary = {"Premise", "Operation", change_class().name}
        for base in list(vocabulary):
            vocabulary |= subclasses(base, classes)
        taking, retired = [], []
        for info in surface():
            for method in methods(info):
                named = f"{where(info.path, method)} {info.name}.{method.name}"
                if method.name in WRITES_RETIRED:
                    retired.append(named)
                if any(
                    a.annotation is not None and names_in(a.annotation) & vocabulary
                    for a in arguments(method)
                ):
                    taking.append(named)
        # The walk follows the properties, and sees ``Backend.apply`` take a
        # change (a reader that saw no parameter would pass any surface).
        self.assertIn("Bus", {info.name for info in surface()})
        self.assertIn("Backend.apply", {t.rpartition(" ")[2] for t in taking})
        others = [t for t in taking if not t.endswith(f".{THE_ONE_WRITE}")]
        self.assertEqual((others, retired), ([], []))

    def test_one_bus(self) -> None:
        """The publish-only calls (tell, relay, publish, attach...) sit on one
        bus protocol reached from ``Backend``, not spread over the stores."""
        on = {
            info.name
            for info in surface()
            for method in methods(info)
            if method.name.startswith(BUS_PREFIXES) or method.name in BUS_EXACT
        }
        self.assertEqual(len(on), BUSES, sorted(on))

    def test_changes_by_subject(self) -> None:
        """The change vocabulary is a package split by subject, each module a
        readable size, and each subject declares what it admits: every
        subject at least one operation, every premise guarded by a subject.
        A back-end's dispatch and the contract tests are read from those
        declarations."""
        packages = [p for p in CORE.rglob("changes") if (p / "__init__.py").is_file()]
        self.assertEqual(len(packages), 1, packages)
        [package] = packages
        self.assertFalse((CORE / "changes.py").exists())
        classes = project_classes()
        kinds = premise_classes() | operation_classes()
        modules = {classes[kind].path for kind in kinds}
        self.assertGreaterEqual(len(modules), VOCABULARY_MODULES_AT_LEAST)
        self.assertEqual([m for m in modules if package not in m.parents], [])
        long = {
            str(m): n
            for m in modules
            if (n := len(m.read_text().splitlines())) > VOCABULARY_MODULE_LINES_AT_MOST
        }
        self.assertEqual(long, {})
        declared = declarations(package, subject_classes(), kinds)
        undeclared_subjects = sorted(
            s
            for s in subject_classes()
            if not declared.get(s, set()) & operation_classes()
        )
        premises_declared = set().union(*declared.values()) & premise_classes()
        self.assertEqual(
            (undeclared_subjects, sorted(premise_classes() - premises_declared)),
            ([], []),
        )

    def test_lua_one_json_argument(self) -> None:
        """Every script takes its keys and one JSON argument (after the key
        prefix), decoded once in the shared prelude: no positional
        ``ARGV[n]``, so the encoding is one generic thing."""
        self.assertEqual(argv_faults(lua_files()), [])

    def test_one_premise_interpreter_in_lua(self) -> None:
        """One Lua unit interprets the premises, keyed by their Python class
        names, and every script uses it: a premise's meaning is written once
        in Lua, and a script's own body never reads premises."""
        # The script's own body is a unit too: kinds named there are a second
        # interpreter. Only direct callers of the interpreter may read
        # ``.premises`` (the line's "named functions that call it").
        premises = premise_classes()
        found = premise_interpreters(lua_files(), premises)
        self.assertEqual(len(found.naming), PREMISE_INTERPRETERS, sorted(found.naming))
        [named] = found.naming.values()
        self.assertGreaterEqual(
            len(named), PREMISES_INTERPRETED_AT_LEAST * len(premises)
        )
        self.assertEqual(found.strays, [])

    def test_generic_encoding(self) -> None:
        """The Redis back-end encodes every change generically, premises
        tagged by their class name, with no hand translation per premise:
        its Python names few premise classes."""
        premises = premise_classes()
        named = set()
        for tree in sources_under(REDIS).values():
            for node in ast.walk(tree):
                if isinstance(node, ast.Name):
                    named.add(node.id)
                elif isinstance(node, ast.Attribute):
                    named.add(node.attr)
                elif isinstance(node, ast.alias):
                    named.add(node.asname or node.name.rpartition(".")[2])
                elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                    named.add(node.value)
        found = sorted(named & premises)
        self.assertLessEqual(len(found), PREMISES_NAMED_BY_REDIS_AT_MOST, found)

    def test_dispatch_from_subjects(self) -> None:
        """Each back-end builds its dispatch from the subjects' declarations:
        no hand-written table (dict, ``match`` or ``isinstance`` chain) of
        the subjects, which a new subject would silently miss."""
        self.assertEqual(
            subjects_tabled(sources_under(BACKENDS), subject_classes()), []
        )

    def test_claim_decided_in_core(self) -> None:
        """The claim script returns the claim's facts; the core decides to
        attach, refuse or end the holder, and words the takeover's reason.
        No back-end holds the outcomes or the words."""
        found = []
        for path, tokens in lua_files().items():
            for token in tokens:
                if token.kind != "string":
                    continue
                if token.text in CLAIM_OUTCOMES or (
                    token.text == CLAIM_HELD and "claim" in Path(path).name
                ):
                    found.append(f"{path}:{token.line} '{token.text}'")
                if TAKEOVER_REASON in token.text.lower():
                    found.append(f"{path}:{token.line} {token.text!r}")
        # A docstring is no literal the code uses: only the strings of
        # expressions count (a docstring may say what the core words).
        for module, tree in sources_under(BACKENDS).items():
            docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
            found += [
                f"{where(module, n)} {n.value!r}"
                for n in ast.walk(tree)
                if isinstance(n, ast.Constant)
                and isinstance(n.value, str)
                and id(n) not in docs
                and TAKEOVER_REASON in n.value.lower()
            ]
        self.assertEqual(found, [])

    def test_heir_is_an_operand(self) -> None:
        """A name's heir is chosen by the core and handed over as an
        operation's operand; no Lua picks one at random."""
        # Read in code and strings (a command is a string to redis.call,
        # in any case), not in comments: a comment saying why no SPOP is
        # used picks nothing.
        found = [
            f"{path}:{t.line} {t.text}"
            for path, tokens in lua_files().items()
            for i, t in enumerate(tokens)
            if (t.kind == "string" and t.text.upper() in RANDOM_PICKS)
            or (t.kind == "name" and t.text in RANDOM_PICKS)
            or [x.text for x in tokens[i : i + 3]] == ["math", ".", "random"]
        ]
        self.assertEqual(found, [])
        classes = project_classes()
        heirs = [
            f"{op}.{f}"
            for op in operation_classes()
            for f in classes[op].fields()
            if "heir" in f
        ]
        self.assertNotEqual(heirs, [])

    def test_backoff_only_in_core(self) -> None:
        """The back-off schedule and its formula live in the core's Python:
        no change carries a schedule, and a store only compares the facts the
        core read (no Lua indexes a schedule by a clamped count)."""
        classes = project_classes()
        kinds = premise_classes() | operation_classes() | subject_classes()
        carried = []
        # A field is of a number sequence if the sequence's type arguments
        # name int or float (``tuple[int, ...]``, ``Sequence[float]``); a
        # kind's inherited fields are its own too.
        for kind in sorted(kinds):
            owned = {
                f: a for c in ancestry(kind, classes) for f, a in c.fields().items()
            }
            for name, annotation in owned.items():
                for node in ast.walk(annotation):
                    if (
                        isinstance(node, ast.Subscript)
                        and dotted(node.value).rpartition(".")[2] in SEQUENCES
                        and names_in(node.slice) & NUMBERS
                    ):
                        carried.append(f"{kind}.{name}: {dotted(annotation)}")
        self.assertEqual(carried, [])
        self.assertEqual(clamped_indexes(lua_files()), [])

    def test_push_ownership_in_core(self) -> None:
        """An endpoint's move to a new account is the core's decision, an
        operation or a subject naming the endpoint; neither back-end's push
        code reads an endpoint's owner to take it away."""
        classes = project_classes()

        def fields(kind: str) -> list[str]:
            return [f for a in ancestry(kind, classes) for f in a.fields()]

        moves = [
            op
            for op in operation_classes()
            if any("endpoint" in f for f in fields(op))
            and len(fields(op)) >= 1 + ENDPOINT_MOVE_OTHER_FIELDS_AT_LEAST
        ] + [s for s in subject_classes() if any("endpoint" in f for f in fields(s))]
        self.assertNotEqual(moves, [])
        self.assertEqual(push_lua_faults(lua_files()), [])
        pushing = {p: t for p, t in sources_under(BACKENDS).items() if "push" in p.name}
        self.assertNotEqual(pushing, {})
        self.assertEqual(push_python_faults(pushing), [])

    def test_doors_translate(self) -> None:
        """The doors translate: the room limit, join-or-create and an
        invitation's redemption are decided in the core, and no door retries
        a lost race or refuses on its own."""
        self.assertEqual(door_faults(sources_under(DOORS)), [])

    def test_core_in_wings(self) -> None:
        """The core is split in wings by concern, few modules at its top, no
        folder too big to read, and the wings import one another without a
        cycle (type-only and in-function imports counted)."""
        # A folder's modules are its own ``.py`` files but ``__init__.py``
        # (the package itself); a wing's are those directly in it.
        top = [p for p in CORE.glob("*.py") if p.name != "__init__.py"]
        self.assertLessEqual(
            len(top), CORE_TOP_MODULES_AT_MOST, sorted(p.name for p in top)
        )
        wings = {
            p.name: len([m for m in p.glob("*.py") if m.name != "__init__.py"])
            for p in CORE.iterdir()
            if (p / "__init__.py").is_file()
        }
        self.assertGreaterEqual(
            len([n for n in wings.values() if n >= WING_MODULES_AT_LEAST]),
            WINGS_AT_LEAST,
            wings,
        )
        crowded = {
            str(folder): n
            for folder in [CORE, *(p for p in CORE.rglob("*") if p.is_dir())]
            if (n := len([m for m in folder.glob("*.py") if m.name != "__init__.py"]))
            > FOLDER_MODULES_AT_MOST
        }
        self.assertEqual(crowded, {})
        edges: dict[str, set[str]] = {}
        for found in every_import():
            a, b = wing_of(found.importer), wing_of(found.imported)
            if a and b and a != b:
                edges.setdefault(a, set()).add(b)
        self.assertEqual(cycles(edges), [])

    def test_composition_root(self) -> None:
        """The services are built once, in dependency order, by short
        composing functions: no lambda, nothing wired late, no set-up in two
        phases, so what a part needs is what its constructor takes."""
        # Read in ``chatroom/`` (the tests may hand a fake a lambda); a
        # function builds a service for each call of a service class in its
        # own body, a nested function's calls its own; a part is a local
        # bound to what the function called.
        services = service_classes()
        sources = sources_under(PACKAGE)
        composing, faults = composing_faults(sources, services)
        self.assertNotEqual(composing, [])
        self.assertEqual(faults, [])
        self.assertEqual(lambdas_to_services(sources, services), [])
        core_and_wiring = {
            p: t
            for p, t in sources.items()
            if CORE in p.parents or PACKAGE / "wiring" in p.parents
        }
        self.assertEqual(two_phase_faults(core_and_wiring), [])

    def test_join_straight(self) -> None:
        """A join is one straight call: the back-end's step returns the
        welcome facts and the door renders after it returns; no back-end
        calls ``entered``, and no interface the core hands a back-end carries
        welcome facts."""
        backends = sources_under(BACKENDS)
        calls = [
            where(path, node)
            for path, tree in backends.items()
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and dotted(node.func).rpartition(".")[2] == "entered"
        ]
        self.assertEqual(calls, [])
        classes = project_classes()
        # The line names the protocols a back-end's ``__init__`` takes; the
        # core hands a back-end one at its start too (``Reports``), so every
        # method's parameters are read: the stricter, the intent's reading.
        taken = {
            name
            for tree in backends.values()
            for info in classes_of(Path(), tree)
            for method in methods(info)
            for arg in arguments(method)
            if arg.annotation is not None
            for name in names_in(arg.annotation)
            if name in classes
            and CORE in classes[name].path.parents
            and classes[name].is_protocol
        }
        self.assertNotEqual(taken, set())
        carrying = [
            f"{name}.{method.name}"
            for name in sorted(taken)
            for method in methods(classes[name])
            for arg in arguments(method)
            if arg.annotation is not None
            and any("Welcome" in n and "Facts" in n for n in names_in(arg.annotation))
        ]
        self.assertEqual(carrying, [])

    def test_performance_doc_current(self) -> None:
        """docs/performance.md holds the targets, today's figures and how to
        measure, not a history of dated comparisons; the history is kept
        under benchmarks/results/."""
        doc = (CHECKOUT / "docs" / "performance.md").read_text().splitlines()
        hashes = [h for line in doc for h in HASH.findall(line)]
        self.assertLessEqual(len(hashes), HASHES_IN_PERFORMANCE_AT_MOST, hashes)
        headings = [line.lower() for line in doc if line.startswith("#")]
        self.assertEqual([h for h in headings if HASH.search(h)], [])
        self.assertEqual(
            [
                n
                for n, line in enumerate(doc, 1)
                if len(line) > PERFORMANCE_LINE_AT_MOST
            ],
            [],
        )
        # "now" as a word: "known" holds it, and says nothing of today.
        for words in (r"target", r"today|current|\bnow\b", r"measur"):
            self.assertTrue(any(re.search(words, h) for h in headings), words)
        kept = max(
            len(set(HASH.findall(p.read_text())))
            for p in (CHECKOUT / "benchmarks" / "results").rglob("*.md")
        )
        self.assertGreaterEqual(kept, HASHES_IN_HISTORY_AT_LEAST)

    def test_premise_matrix_test(self) -> None:
        """One contract module names every premise and enumerates them, so a
        new premise without a case fails, and runs on both back-ends: each
        premise means the same in memory and in Redis."""
        premises = premise_classes()
        tests = {p: p.read_text() for p in (CHECKOUT / "tests").rglob("*.py")}
        matrices = [
            p
            for p, text in tests.items()
            if all(re.search(rf"\b{name}\b", text) for name in premises)
            and any(call in text for call in ENUMERATING)
        ]
        self.assertNotEqual(matrices, [])

        def both(texts: Iterable[str]) -> bool:
            joined = "\n".join(texts)
            return ("backends.local" in joined or "LocalBackend" in joined) and (
                "backends.redis" in joined or "RedisBackend" in joined
            )

        ran = [
            m
            for m in matrices
            if both(
                [
                    tests[m],
                    *(
                        t
                        for t in tests.values()
                        if re.search(
                            rf"\b{module_of(m)}\b|import {m.stem}\b|\.{m.stem} import",
                            t,
                        )
                    ),
                ]
            )
        ]
        self.assertNotEqual(ran, [], matrices)

    def test_few_type_ignores(self) -> None:
        """The types are believed: at most 10 ``type: ignore`` in
        ``chatroom/``."""
        found = [
            f"{p.relative_to(CHECKOUT)}:{n}"
            for p in python_files(PACKAGE)
            for n, line in enumerate(p.read_text().splitlines(), 1)
            if "type: ignore" in line
        ]
        self.assertLessEqual(len(found), TYPE_IGNORES_AT_MOST, found)

    def test_no_import_cycles(self) -> None:
        """No module of ``chatroom/`` imports itself back through others,
        type-only and in-function imports counted: each module sits above
        what it uses."""
        edges: dict[str, set[str]] = {}
        for found in every_import():
            edges.setdefault(found.importer, set()).add(found.imported)
        self.assertEqual(cycles(edges), [])

    def test_no_mixins(self) -> None:
        """No mixin and no borrowed state: a class that reads state
        initialises it, or is handed it, so a base's fields are not set by
        whoever inherits it."""
        self.assertEqual(mixin_faults(sources_under(PACKAGE)), [])

    def test_no_stubs(self) -> None:
        """No ``raise NotImplementedError`` stub outside a Protocol or ABC: a
        method is either the interface's or does its work."""
        self.assertEqual(stub_faults(sources_under(PACKAGE)), [])


def wing_of(module: str) -> str | None:
    """The core's top-level sub-package or top module ``module`` is in."""
    parts = module.split(".")
    if parts[:2] != ["chatroom", "core"] or len(parts) < 3:
        return None
    return parts[2]


def declarations(
    package: Path, subjects: AbstractSet[str], kinds: AbstractSet[str]
) -> dict[str, set[str]]:
    """The kinds each subject declares in ``package``, in any of the spec's
    forms: a call naming the subject first (``declare(RoomSeating, ...)``),
    a dict keyed by it, attributes of its class, or a kind's class naming
    its subject."""
    found: dict[str, set[str]] = {}
    for path in python_files(package):
        for node in ast.walk(tree_of(path)):
            if (
                isinstance(node, ast.Call)
                and node.args
                and isinstance(node.args[0], ast.Name)
                and node.args[0].id in subjects
            ):
                rest = [*node.args[1:], *(k.value for k in node.keywords)]
                found.setdefault(node.args[0].id, set()).update(
                    *(names_in(a) & kinds for a in rest)
                )
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Name) and key.id in subjects:
                        found.setdefault(key.id, set()).update(names_in(value) & kinds)
            elif isinstance(node, ast.ClassDef):
                assigned = [
                    s.value
                    for s in node.body
                    if isinstance(s, (ast.Assign, ast.AnnAssign))
                    and s.value is not None
                ]
                if node.name in subjects:
                    found.setdefault(node.name, set()).update(
                        *(names_in(v) & kinds for v in assigned)
                    )
                elif node.name in kinds:
                    for subject in (
                        set().union(*(names_in(v) for v in assigned)) & subjects
                    ):
                        found.setdefault(subject, set()).add(node.name)
    return found


def clamped_indexes(files: dict[str, list[Token]]) -> list[str]:
    """Each Lua index expression holding ``math.min(`` or ``math.max(``."""
    found = []
    for path, tokens in files.items():
        for i, token in enumerate(tokens):
            if (
                token.text != "["
                or not i
                or not (
                    tokens[i - 1].kind == "name" or tokens[i - 1].text in ("]", ")")
                )
            ):
                continue
            inside = _lua_argument(tokens, i + 1)
            if any(
                inside[j : j + 4]
                in (["math", ".", "min", "("], ["math", ".", "max", "("])
                for j in range(len(inside))
            ):
                found.append(f"{path}:{token.line} [{' '.join(inside)}]")
    return found


class DetectorTests(unittest.TestCase):
    """The trickier detectors find the faults they look for (a detector that
    cannot fail would pass anything)."""

    def test_an_import_cycle_is_found(self) -> None:
        """A type-only import closing a loop between two doors' modules is a
        cycle, and the core's wings are judged as wholes."""
        edges = {
            "chatroom.doors.irc.protocol": {"chatroom.doors.irc.sts"},
            "chatroom.doors.irc.sts": {"chatroom.doors.irc.protocol"},
        }
        self.assertEqual(cycles(edges), [sorted(edges)])
        self.assertEqual(wing_of("chatroom.core.rooms.store"), "rooms")
        self.assertIsNone(wing_of("chatroom.doors.irc.sts"))

    def test_lua_argv_faults_are_found(self) -> None:
        """Positional, counted and computed ``ARGV`` are found, and ``ARGV``
        in a comment or a string is not."""
        good = (
            "local P = ARGV[1]\n"
            "local args = cjson.decode(ARGV[2])\n"
            "-- ARGV[3] 'ARGV[4]'\n"
        )
        self.assertEqual(argv_faults({"prelude.lua": lua_tokens(good)}), [])
        bad = (
            "local n = #ARGV\n"
            "local x = ARGV[3]\n"
            "local y = ARGV[i + 1]\n"
            "local z = unpack(ARGV)\n"
        )
        faults = argv_faults(
            {"prelude.lua": lua_tokens(good), "join.lua": lua_tokens(bad)}
        )
        self.assertEqual(len(faults), 5, faults)
        self.assertTrue(faults[0].startswith("join.lua:1: #ARGV"))
        self.assertIn("ARGV in 2 files", faults[-1])

    def test_lua_premise_readers_are_found(self) -> None:
        """Two units naming premise kinds, and a script's body reading
        ``.premises``, are found; a named function calling the interpreter
        may read them."""
        premises = {"Incarnation", "FewerMembersThan"}
        prelude = (
            "local function holds(c, p)\n"
            "  if p.kind == 'Incarnation' then return true end\n"
            "  local t = { FewerMembersThan = function() end }\n"
            "end\n"
            "local function unmet(c)\n"
            "  for _, p in ipairs(c.premises) do\n"
            "    if not holds(c, p) then return p end\n"
            "  end\n"
            "end\n"
        )
        one = premise_interpreters({"prelude.lua": lua_tokens(prelude)}, premises)
        self.assertEqual(one.strays, [])
        self.assertEqual(list(one.naming.values()), [premises])
        script = "if c.premises[1].kind == 'Incarnation' then return 1 end\n"
        two = premise_interpreters(
            {"prelude.lua": lua_tokens(prelude), "s.lua": lua_tokens(script)}, premises
        )
        self.assertEqual(len(two.naming), 2)

    def test_mixins_are_found(self) -> None:
        """A ``*Mixin``, a class of two concrete bases, and a base reading
        state it never sets are found."""
        source = (
            "class FramingMixin:\n    pass\n"
            "class Link:\n    buffer: bytes\n    def feed(self): return self.buffer\n"
            "class Other:\n    def __init__(self): self.x = 1\n"
            "class Both(Link, Other):\n    def __init__(self): self.buffer = b''\n"
        )
        faults = mixin_faults(synthetic(link=source))
        self.assertEqual(len(faults), 3, faults)
        self.assertIn("FramingMixin is a mixin", faults[1])
        self.assertIn("Link.buffer is borrowed state", faults[2])

    def test_stubs_are_found(self) -> None:
        """A stub in a plain class is found, one in a Protocol or ABC is not."""
        source = (
            "from typing import Protocol\nfrom abc import ABC\n"
            "class Store(Protocol):\n    def get(self): raise NotImplementedError\n"
            "class Base(ABC):\n    def get(self): raise NotImplementedError\n"
            "class Sub(Base):\n    def put(self): raise NotImplementedError()\n"
            "class Plain:\n    def get(self): raise NotImplementedError\n"
        )
        faults = stub_faults(synthetic(stubs=source))
        self.assertEqual(len(faults), 1, faults)
        self.assertIn("in Plain", faults[0])

    def test_composing_faults_are_found(self) -> None:
        """A composing function too long, with a lambda, a late ``attach``, a
        late append to a part's list and an attribute set on a part, is
        found; and so is a two-phase set-up."""
        services = {f"S{n}" for n in range(6)}
        source = (
            "def compose():\n"
            + "".join(f"    s{n} = S{n}()\n" for n in range(6))
            + "    s0.attach(s1)\n    s1.hooks.append(s2)\n"
            + "    s2.core = s3\n    s4.run(lambda: 1)\n"
            + "    pass\n" * COMPOSING_LINES_AT_MOST
            + "class Reports:\n    def __init__(self):\n        self.core = None\n"
            "    def attach(self, core):\n        self.core = core\n"
        )
        sources = synthetic(wiring=source)
        composing, faults = composing_faults(sources, services)
        self.assertEqual(len(composing), 1)
        self.assertEqual(len(faults), 5, faults)
        self.assertEqual(len(two_phase_faults(sources)), 1)
        handed = synthetic(w="def f():\n    S0(lambda: 1)\n")
        self.assertEqual(len(lambdas_to_services(handed, services)), 1)

    def test_door_decisions_are_found(self) -> None:
        """A door's own room limit, its count of a member's rooms against it,
        a join-or-create raced by hand and a redemption refused by the door
        are found; the core's ``enter_or_create`` alone is not."""
        source = (
            "CHANNEL_LIMIT = 50\n"
            "async def join(session, name):\n"
            "    if len(session.rooms) >= CHANNEL_LIMIT:\n"
            "        return\n"
            "    try:\n"
            "        await session.registry.rooms.join(name)\n"
            "    except ChatError as e:\n"
            "        if e.code == 'NO_SUCH_ROOM':\n"
            "            await session.registry.rooms.create(name)\n"
            "async def redeem(session, code):\n"
            "    if session.signed_in:\n"
            "        raise ChatError('NOT_ALLOWED')\n"
            "    await session.server.invitations.redeem(code)\n"
            "async def straight(session, name):\n"
            "    await session.registry.rooms.enter_or_create(name)\n"
        )
        faults = door_faults(synthetic(door=source))
        self.assertEqual(len(faults), 4, faults)
        self.assertIn("CHANNEL_LIMIT = 50", faults[0])
        self.assertIn("join joins or creates by hand", faults[2])
        self.assertIn("redeem refuses a redemption itself", faults[3])

    def test_push_owner_moves_are_found(self) -> None:
        """A push script reading an endpoint's owner, comparing it, then
        writing a key built from it is found; so is the Python's."""
        script = (
            "local owner = redis.call('HGET', P .. 'push-owner', args.endpoint)\n"
            "if owner and owner ~= args.account then\n"
            "  redis.call('HDEL', P .. 'push:' .. owner, args.endpoint)\n"
            "end\n"
        )
        self.assertEqual(
            len(push_lua_faults({"push-apply.lua": lua_tokens(script)})), 1
        )
        self.assertEqual(push_lua_faults({"apply.lua": lua_tokens(script)}), [])
        source = (
            "async def add(self, endpoint, account):\n"
            "    owner = self.owners.get(endpoint)\n"
            "    if owner is not None and owner != account:\n"
            "        self.drop(owner, endpoint)\n"
        )
        self.assertEqual(len(push_python_faults(synthetic(push=source))), 1)

    def test_a_subject_table_is_found(self) -> None:
        """A back-end's dict of eight subjects, and a function's isinstance
        chain over eight, are found; seven are not."""
        subjects = {f"S{n}" for n in range(8)}
        table = "STEPS = {" + ", ".join(f"S{n}: f" for n in range(8)) + "}\n"
        chain = "def apply(c):\n" + "".join(
            f"    if isinstance(c.subject, S{n}): pass\n" for n in range(8)
        )
        seven = "STEPS = {" + ", ".join(f"S{n}: f" for n in range(7)) + "}\n"
        self.assertEqual(len(subjects_tabled(synthetic(t=table, c=chain), subjects)), 2)
        self.assertEqual(subjects_tabled(synthetic(s=seven), subjects), [])
