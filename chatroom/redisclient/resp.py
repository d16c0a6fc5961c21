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

import txredisapi
from twisted.internet.defer import Deferred


class LeanCommands:
    """A mixin before a txredisapi protocol made with ``charset=None`` and
    ``convertNumbers=False`` (what :mod:`.link` makes): the same commands
    and replies as txredisapi's, with less work."""

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
                else self._encode_value(arg)  # type: ignore[attr-defined]
                for arg in args
            ]
        except UnicodeError:  # a lone surrogate: refused as txredisapi refuses it
            data = [self._encode_value(arg) for arg in args]  # type: ignore[attr-defined]
        return b"*%d\r\n%s" % (
            len(data),
            b"".join([b"$%d\r\n%s\r\n" % (len(each), each) for each in data]),
        )

    def tryConvertData(self, data: Any) -> Any:
        """A reply as hiredis read it: with no charset and no numbers to
        convert, txredisapi's conversion gives back the same values (in a
        list copied element by element)."""
        return data


class Reply(Deferred[Any]):
    """A command's reply as :class:`DirectReplies` hands it on: a Redis
    error (or the connection's loss) fails it, anything else fires it."""


class DirectReplies:
    """A mixin before :class:`LeanCommands` for a link's commands: each
    command is one Deferred, waiting in txredisapi's queue of replies and
    fired by its reply. txredisapi's own ``execute_command`` makes two per
    command (one waiting in the queue, one handed out) and passes the
    reply through two callbacks from one to the other, about a dozen
    Python calls more for each of the node's commands, a message's
    ``SAY`` among them.

    The commands and what their Deferreds give are txredisapi's: the same
    bytes written at once, the replies in order, a Redis error failed as
    its ``ResponseError``, the connection's loss as ``ConnectionError``
    (txredisapi's ``connectionLost`` hands one to every waiter), a command
    while unconnected refused at once. A Deferred cancelled (its deadline,
    :mod:`.deadlines`) keeps its place in the queue, so the reply Redis
    still owes it is not taken for the next command's. What the lean path
    does not cover (options such as ``apply_timeout`` or ``post_proc``,
    pipelining, ``MULTI``) goes through txredisapi's own; its waiters are
    told as txredisapi tells them."""

    def execute_command(self, *args: Any, **kwargs: Any) -> Deferred[Any]:
        if kwargs or self.pipelining or self.inMulti:  # type: ignore[attr-defined]
            return super().execute_command(*args, **kwargs)  # type: ignore[misc]
        if not self.connected:  # type: ignore[attr-defined]
            raise txredisapi.ConnectionError("Not connected")
        self.transport.write(self._build_command(*args))  # type: ignore[attr-defined]
        reply = Reply()
        queue = self.replyQueue  # type: ignore[attr-defined]
        if queue.pending:  # a reply nobody waited for: txredisapi's get() hands it on
            _fire(reply, queue.pending.pop(0))
        else:
            queue.waiting.append(reply)
        return reply

    def replyReceived(self, reply: Any) -> None:
        """The oldest waiter's reply (one cancelled meanwhile takes it, and
        nobody hears it); with nobody waiting, kept as txredisapi keeps it."""
        queue = self.replyQueue  # type: ignore[attr-defined]
        if not queue.waiting:
            queue.put(reply)
            return
        waiter = queue.waiting.pop(0)
        if type(waiter) is not Reply:  # txredisapi's: its callbacks raise an error
            waiter.callback(reply)
        elif waiter.called:  # cancelled: past its deadline
            return
        elif isinstance(reply, Exception):
            waiter.errback(reply)
        else:
            waiter.callback(reply)


def _fire(waiter: Reply, reply: Any) -> None:
    """``waiter`` told ``reply``: failed with it if it is an error."""
    if isinstance(reply, Exception):
        waiter.errback(reply)
    else:
        waiter.callback(reply)


def reply_text(value: Any) -> str:
    """A reply's string (or number) as text. The links hand replies on as
    bytes (``charset=None``), redis-py too unless told to decode, and a
    test's answers or a number given back may come as ``str`` or ``int``."""
    return value.decode() if isinstance(value, bytes) else str(value)
