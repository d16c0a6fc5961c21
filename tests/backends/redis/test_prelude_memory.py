"""What a node's scripts cost its memory: the prelude is read once a layout.

Every script carries the prelude's statements its body reaches, its
premise interpreter narrowed to the premises its changes rest on
(:mod:`chatroom.backends.redis.prelude`). Read again for each set of
premises, the prelude's statements (each with the words of its code)
would be kept once per set: 11 MB of an idle node's 58, which an
operator running a node per core would pay on every one of them.
"""

from __future__ import annotations

import subprocess
import sys

from twisted.trial import unittest

#: Imports what a node imports (every script made), under tracemalloc, and
#: prints the bytes still held that ``prelude.py`` allocated.
_MEASURE = """
import tracemalloc
tracemalloc.start()
import chatroom.backends.redis.node
import chatroom.backends.redis.redis_backend
held = tracemalloc.take_snapshot().filter_traces(
    [tracemalloc.Filter(True, "*/chatroom/backends/redis/prelude.py")]
)
print(sum(stat.size for stat in held.statistics("filename")))
"""


class PreludeMemoryTests(unittest.TestCase):
    def test_a_node_keeps_the_prelude_once_a_layout(self) -> None:
        """Every script made, what the prelude's module holds stays under
        3 MB (each script's own source included); read once per set of
        premises it held 11.4 MB."""
        measured = subprocess.run(
            [sys.executable, "-c", _MEASURE],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        held = int(measured.stdout.split()[-1])
        self.assertLess(held, 3_000_000, f"{held:,} bytes held by the prelude")
