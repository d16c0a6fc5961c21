"""Nodes forked from a launcher that imported their code once
(:mod:`chatroom.wiring.prefork`).

The launcher must hand its nodes no reactor: what it imports for them is
imported with the reactor unavailable, and a module that binds the reactor
when imported is left for each node to import after its own is installed,
except the libraries imported with a stand-in, which fails loudly if used.
Each case runs in a fresh interpreter, as the launcher does before its
reactor exists. (Forked nodes serving, reloading and stopping:
``tests/cluster/test_launcher.py``.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from twisted.trial import unittest

from chatroom.wiring.prefork import StandInReactor, stand_in_for

CHECKOUT = Path(__file__).resolve().parents[2]

#: Three modules in a directory of their own (``sys.argv[1]``): one that
#: binds the reactor when imported, one that keeps a method of it on a
#: class (as txredisapi does), and one that needs no reactor.
IMPORT_ALL = """
import json, sys
from pathlib import Path
here = Path(sys.argv[1])
here.mkdir(parents=True)
(here / "binds_reactor.py").write_text("from twisted.internet import reactor\\n")
(here / "keeps_later.py").write_text(
    "from twisted.internet import reactor\\n"
    "class Timers:\\n"
    "    callLater = reactor.callLater\\n"
)
(here / "plain_module.py").write_text("import json\\nVALUE = 1\\n")
sys.path.insert(0, str(here))
from chatroom.wiring.prefork import import_all
left = import_all(["keeps_later"], ["plain_module", "binds_reactor"])
import keeps_later
try:
    keeps_later.Timers.callLater(1, print)
    refused = ""
except RuntimeError as problem:
    refused = str(problem)
print(json.dumps({
    "left": left,
    "loaded": sorted(n for n in sys.modules if n in (
        "plain_module", "binds_reactor", "keeps_later", "twisted.internet.reactor"
    )),
    "refused": refused,
}))
"""


class ImportAllTests(unittest.TestCase):
    def test_what_binds_the_reactor_is_left_to_the_node(self) -> None:
        """A module that binds the reactor on import is not imported (the
        node imports it); one that needs none is; the stand-in's methods
        raise when called; and no reactor is left installed."""
        done = subprocess.run(
            [sys.executable, "-c", IMPORT_ALL, os.path.abspath(self.mktemp())],
            cwd=CHECKOUT,
            env=dict(os.environ, PYTHONPATH=str(CHECKOUT)),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        self.assertEqual(done.returncode, 0, done.stderr)
        found = json.loads(done.stdout.splitlines()[-1])
        self.assertEqual(found["left"], ["binds_reactor"])
        self.assertEqual(found["loaded"], ["keeps_later", "plain_module"])
        self.assertIn("stand-in reactor", found["refused"])


class StandInTests(unittest.TestCase):
    def test_the_stand_in_refuses_every_call(self) -> None:
        """Looking a method up works (a class may keep it); calling it raises,
        naming the method."""
        later = StandInReactor().callLater
        with self.assertRaises(RuntimeError) as raised:
            later(0, print)
        self.assertIn("reactor.callLater", str(raised.exception))

    def test_twisted_words_only_for_the_doors_that_use_it(self) -> None:
        """txredisapi for every node; twisted.words' IRC module only where
        the IRC door (or the web door's /irc) is served."""
        self.assertEqual(stand_in_for(["--port", "x", "--redis", "y"]), ["txredisapi"])
        self.assertEqual(
            stand_in_for(["--port", "x", "--http=tcp:1", "--redis", "y"]),
            ["txredisapi", "twisted.words.protocols.irc"],
        )
