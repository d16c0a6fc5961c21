"""txredisapi's protocols as the links use them: bytes in, bytes out.

Every link (:mod:`.link`) runs txredisapi with ``charset=None`` and
``convertNumbers=False``: replies stay as hiredis reads them, arguments
go as they are. For that use, two of txredisapi's steps do work that
changes nothing, on every command and every reply, and a server makes
several of each per request it serves (a script's call, its reply, what
it published, at every subscriber): building a command encoded each
argument and its length through a general method (about 10 µs for a
script's call of a few arguments), and each reply was
walked, element by element, for conversions that these options turn off.
:class:`LeanCommands` builds the same bytes in one join and hands replies
on as they are.
"""

from __future__ import annotations

from typing import Any


class LeanCommands:
    """A mixin before a txredisapi protocol made with ``charset=None`` and
    ``convertNumbers=False`` (what :mod:`.link` makes): the same commands
    and replies as txredisapi's, with less work."""

    def _build_command(self, *args: Any, **kwargs: Any) -> bytes:
        """The command as RESP (an array of bulk strings), as txredisapi's
        ``_build_command`` makes it: bytes as they are, text as UTF-8, an
        int in decimal (txredisapi's ``str(arg)``), any other argument (a
        float) by txredisapi's own ``_encode_value``. Each argument is one
        formatting, not three parts: a message's ``SAY`` has a dozen."""
        parts = [b"*%d\r\n" % len(args)]
        append = parts.append
        for arg in args:
            kind = type(arg)
            if kind is bytes:
                data = arg
            elif kind is str and arg.isascii():
                data = arg.encode()
            elif kind is int:
                data = b"%d" % arg
            else:
                data = self._encode_value(arg)  # type: ignore[attr-defined]
            append(b"$%d\r\n%s\r\n" % (len(data), data))
        return b"".join(parts)

    def tryConvertData(self, data: Any) -> Any:
        """A reply as hiredis read it: with no charset and no numbers to
        convert, txredisapi's conversion gives back the same values (in a
        list copied element by element)."""
        return data


def reply_text(value: Any) -> str:
    """A reply's string (or number) as text. The links hand replies on as
    bytes (``charset=None``), redis-py too unless told to decode, and a
    test's answers or a number given back may come as ``str`` or ``int``."""
    return value.decode() if isinstance(value, bytes) else str(value)
