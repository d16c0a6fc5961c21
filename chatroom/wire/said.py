"""What a typed line is: a command, or words to say (the ``//`` rule).

A line that starts with ``/`` is a command (``/join tea``), except one that
starts with ``//``: that is a message whose text starts with one ``/``
(``//shrug`` says ``/shrug``), so anything can be said. The server's line
door and the terminal client both decide with these two functions, so a
line the client shows as said is a line the server takes as said.
"""

from __future__ import annotations

#: What starts a command.
COMMAND_PREFIX = "/"
#: What starts a message whose text starts with ``/``.
ESCAPED_PREFIX = "//"


def is_command(line: str) -> bool:
    """Whether ``line`` is a command (``/join tea``), not words to say."""
    return line.startswith(COMMAND_PREFIX) and not line.startswith(ESCAPED_PREFIX)


def said_text(line: str) -> str:
    """The text a line that is not a command says (``//x`` says ``/x``)."""
    return line[1:] if line.startswith(ESCAPED_PREFIX) else line
