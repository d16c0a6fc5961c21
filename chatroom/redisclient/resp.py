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
:class:`LeanProtocol` builds the same bytes in one join and hands replies
on as they are.
"""

from __future__ import annotations

from typing import Any

import txredisapi


class LeanProtocol(txredisapi.RedisProtocol):
    """txredisapi's protocol made with ``charset=None`` and
    ``convertNumbers=False`` (what :mod:`.link` makes): the same commands
    and replies as txredisapi's, with less work. The links' protocols
    (:class:`~.link.LinkProtocol`) are built on it."""

    def _build_command(self, *args: Any, **kwargs: Any) -> bytes:
        """The command as RESP (an array of bulk strings), as txredisapi's
        ``_build_command`` makes it: bytes as they are, text as UTF-8 (as
        txredisapi's ``str.encode()``, and refused as it refuses it), an
        int in decimal (txredisapi's ``str(arg)``), any other argument (a
        float) by txredisapi's own ``_encode_value``. Each argument is one
        formatting, not three parts, and two Python calls (its encoding and
        its length) in two comprehensions: a message's ``SAY`` has a dozen
        and more."""
        try:
            data = [
                arg.encode()
                if (kind := arg.__class__) is str
                else arg
                if kind is bytes
                else b"%d" % arg
                if kind is int
                else self._encode_value(arg)
                for arg in args
            ]
        except UnicodeError:  # a lone surrogate: refused as txredisapi refuses it
            data = [self._encode_value(arg) for arg in args]
        return b"*%d\r\n%s" % (
            len(data),
            b"".join([b"$%d\r\n%s\r\n" % (len(each), each) for each in data]),
        )

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
