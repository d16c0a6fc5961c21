"""The Lua that Redis runs passes ``luacheck`` (Debian's ``lua-check``).

What Redis runs is each script's composed source, the prelude's statements
it uses and then its body (:class:`chatroom.backends.redis.prelude.Script`),
in both layouts: those are written out and checked with the settings in
``chatroom/backends/redis/lua/.luacheckrc``, failing on any warning (a name
unused or shadowed, a global read or set that Redis does not have, a
prelude function a script calls that the cut left out...), each told
against the file it comes from. A body file alone is no whole script (it
calls the prelude's functions), so the files are checked as composed.

``make test`` installs ``luacheck``; without it these tests are skipped,
unless ``CHATROOM_REQUIRE_TOOLS`` is set (CI sets it): then they fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from twisted.trial import unittest

from chatroom.backends.redis import prelude
from chatroom.backends.redis.prelude import Script
from chatroom.backends.redis.scripts import SAY
from tests.backends.contracts.premise_matrix import every_premise
from tests.cluster.support import every_script
from tests.support import require

SETTINGS = Path(prelude.__file__).parent / "lua" / ".luacheckrc"
LUACHECK = shutil.which("luacheck")

#: A line of luacheck's plain output: file, line, column, warning.
WARNING = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):\d+: (?P<warning>.*)$", re.M)


def rooms_apart(script: Script) -> bool:
    return script.source.startswith(b"#!lua\n")


def whence(script: Script, line: int) -> str:
    """Where line ``line`` of ``script``'s composed source is written: a
    line of its body's file, or of one of the prelude's statements."""
    source = script.source.decode()
    before_body = source[: len(source) - len(script.body)]
    if line > before_body.count("\n"):
        return f"lua/{script.name}.lua:{line - before_body.count(chr(10))}"
    shebang = "#!lua\n" if rooms_apart(script) else ""
    layout = prelude._ROOMS_ON_THEIR_OWN if shebang else prelude._ROOMS_WITH_THE_REST
    taken, at, first = before_body[len(shebang) :], 0, 1 + bool(shebang)
    for statement in prelude._statements(layout):
        if taken.startswith(statement.text, at):
            lines = statement.text.count("\n")
            if line < first + lines:
                names = ", ".join(sorted(statement.defines))
                return f"the prelude's {names}, its line {line - first + 1}"
            first, at = first + lines, at + len(statement.text)
    return "the prelude"


def file_name(script: Script) -> str:
    """The name a script's text is checked under: its name and layout."""
    return f"{script.name}.{'apart' if rooms_apart(script) else 'rest'}"


def whence_in_library(script: Script, line: int) -> str:
    """Where line ``line`` of ``script``'s library (:attr:`Script.library`)
    is written: a line of its body's file, of one of the prelude's
    statements (made once, or run at each call), or of the library's own
    lines around them."""
    assert script.library is not None
    library = script.library.decode()
    at = sum(len(text) for text in library.splitlines(keepends=True)[: line - 1])
    body = library.index(script.body)
    if body <= at < body + len(script.body):
        return f"lua/{script.name}.lua:{library.count(chr(10), body, at) + 1}"
    layout = (
        prelude._ROOMS_ON_THEIR_OWN
        if rooms_apart(script)
        else prelude._ROOMS_WITH_THE_REST
    )
    for statement in prelude._statements(layout):
        for text in (statement.text, statement.text.removeprefix("local ")):
            start = library.find(text)
            if start != -1 and start <= at < start + len(text):
                names = ", ".join(sorted(statement.defines))
                within = library.count("\n", start, at) + 1
                return f"the prelude's {names}, its line {within}"
    return f"its library's own line {line}"


def lint(scripts: list[Script]) -> list[str]:
    """luacheck's warnings on the scripts' composed sources (and libraries,
    of those called as Redis's functions), each with the script, its layout
    and where the line is written."""
    assert LUACHECK is not None

    def where(file: str, line: int) -> str:
        if file in libraries:
            return whence_in_library(libraries[file], line)
        return whence(named[file], line)

    named = {f"{file_name(script)}.lua": script for script in scripts}
    libraries = {
        f"{file_name(script)}.function.lua": script
        for script in scripts
        if script.library is not None
    }
    with tempfile.TemporaryDirectory() as folder:
        for name, script in named.items():
            (Path(folder) / name).write_bytes(script.source)
        for name, script in libraries.items():
            assert script.library is not None
            (Path(folder) / name).write_bytes(script.library)
        run = subprocess.run(
            [
                LUACHECK,
                "--config",
                str(SETTINGS),
                "--formatter",
                "plain",
                "--codes",
                "--no-color",
                *sorted(named),
                *sorted(libraries),
            ],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
    found = [
        f"{match['file']} ({where(match['file'], int(match['line']))}):"
        f" {match['warning']}"
        for match in WARNING.finditer(run.stdout)
    ]
    if run.returncode != 0 and not found:
        found.append(f"luacheck failed ({run.returncode}): {run.stdout}{run.stderr}")
    return found


class LuaLintTests(unittest.TestCase):
    """Every script as Redis runs it, through luacheck."""

    def setUp(self) -> None:
        require(LUACHECK, "luacheck (Debian's lua-check)", "the Lua's lint")

    def test_every_script_passes_luacheck(self) -> None:
        scripts = every_script()
        self.assertGreater(len(scripts), 200)
        warnings = lint(scripts)
        self.assertEqual(warnings, [], "\n".join(warnings))

    def test_a_slip_in_a_body_is_told_against_its_file(self) -> None:
        """The lint finds what Redis would only find at run time, or never:
        an unused local, a misspelt ``redis.call``, a global set, a prelude
        function shadowed (and so unused), each told on its line of the
        body's file or the prelude's statement."""
        body = (
            "local unused = 1\n"
            "redis.cal('GET', P)\n"
            "counter = 1\n"
            "local room_key = 'mine'\n"
            "return room_key\n"
        )
        for script in (Script("slip", body), Script("slip", body).rooms_apart):
            warnings = lint([script])
            self.assertEqual(len(warnings), 5, warnings)
            told = "\n".join(warnings)
            self.assertIn("lua/slip.lua:1", told)
            self.assertIn("unused variable 'unused'", told)
            self.assertIn("lua/slip.lua:2", told)
            self.assertIn("undefined field 'cal'", told)
            self.assertIn("lua/slip.lua:3", told)
            self.assertIn("setting non-standard global variable 'counter'", told)
            self.assertIn("lua/slip.lua:4", told)
            self.assertIn("the prelude's room_key, its line 1", told)
            self.assertIn("unused function 'room_key'", told)

    def test_a_slip_in_a_library_is_told_against_its_file(self) -> None:
        """A script called as a Redis function is checked as its library
        too: a slip in its body is told on its line of the body's file."""
        body = "redis.cal('GET', P)\nreturn room_key('r')\n"
        script = Script("slip", body, as_function=True)
        warnings = [w for w in lint([script]) if ".function.lua" in w]
        self.assertEqual(len(warnings), 1, warnings)
        self.assertIn(
            "(lua/slip.lua:1): (W143) accessing undefined field 'cal'", warnings[0]
        )


class LintCoverageTests(unittest.TestCase):
    """What the lint reads, and how it tells where a warning is written
    (no luacheck needed)."""

    def test_a_line_of_the_prelude_is_told_against_its_statement(self) -> None:
        """A warning in the prelude's part of a script names the statement."""
        for script in (SAY, SAY.rooms_apart):
            lines = script.source.decode().splitlines()
            said = next(
                at
                for at, line in enumerate(lines)
                if line.startswith("local function said(")
            )
            self.assertEqual(whence(script, said + 1), "the prelude's said, its line 1")
            self.assertEqual(whence(script, said + 2), "the prelude's said, its line 2")
            body_lines = len(script.body.splitlines())
            self.assertEqual(whence(script, len(lines)), f"lua/say.lua:{body_lines}")

    def test_the_lint_sees_every_statement_of_the_prelude(self) -> None:
        """Only the prelude's statements some script takes are checked: one
        that none takes is dead code, and would go unchecked. The premise
        interpreter each script takes reads the premises of its changes
        alone: each premise's branch is in some script."""
        sources = b"".join(script.source for script in every_script()).decode()
        for layout in (prelude._ROOMS_WITH_THE_REST, prelude._ROOMS_ON_THEIR_OWN):
            for statement in prelude._statements(layout):
                if "premise_holds" in statement.defines:
                    continue
                self.assertIn(statement.text, sources, sorted(statement.defines))
            for kind in every_premise():  # its branch, with what it reads
                self.assertIn(f"kind == '{kind.__name__}'", sources)
