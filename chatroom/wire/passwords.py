"""Passwords in a line of words, as both ends write and read them.

A password may hold spaces (``docs/protocol.md``, *Accounts*). Where a
command takes one password it is the rest of the line (``/login NAME
PASSWORD``), so nothing needs quoting. Where it takes two, as
``/password OLD NEW`` and NickServ's ``PASSWD``/``SET PASSWORD`` do, a
line of two words is those two passwords, quotes and all (the syntax
clients of passwords without spaces write); a line of any other shape is
read with quotes: a word that starts with ``"`` runs to the next
unescaped ``"``, inside which ``\\"`` is a quote and ``\\\\`` a backslash.
So ``/password "old phrase" "new phrase"`` changes a passphrase.
"""

from __future__ import annotations

from collections.abc import Collection

__all__ = ["password_words", "two_passwords"]


def password_words(text: str, plain: Collection[int]) -> list[str] | None:
    """The passwords of ``text``: its words split at single spaces when
    there are as many as ``plain`` allows (each not empty), else as quoted
    (see the module); None when the quotes are not closed, or a closing
    quote is not followed by a space or the end."""
    words = text.split(" ")
    if len(words) in plain and all(words):
        return words
    return _quoted_words(text)


def _quoted_words(text: str) -> list[str] | None:
    words: list[str] = []
    at, end = 0, len(text)
    while True:
        while at < end and text[at] == " ":
            at += 1
        if at == end:
            return words
        if text[at] != '"':
            space = text.find(" ", at)
            stop = end if space < 0 else space
            words.append(text[at:stop])
            at = stop
            continue
        word: list[str] = []
        at += 1
        while at < end and text[at] != '"':
            if text[at] == "\\" and at + 1 < end:
                at += 1
            word.append(text[at])
            at += 1
        if at == end or (at + 1 < end and text[at + 1] != " "):
            return None
        words.append("".join(word))
        at += 1


def _quoted(password: str) -> str:
    escaped = password.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def two_passwords(first: str, second: str) -> str:
    """``first`` and ``second`` written for :func:`password_words` to read
    back: two words as ever when neither has a space, else both quoted."""
    if " " in first or " " in second:
        return f"{_quoted(first)} {_quoted(second)}"
    return f"{first} {second}"
