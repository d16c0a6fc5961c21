"""The one exception every part of the benchmark raises for a failed run.

Kept apart so the process, generator, scenario and command-line modules can
all raise and catch it without importing each other.
"""

from __future__ import annotations


class BenchError(Exception):
    """The run could not be carried out (not: the server was slow)."""
