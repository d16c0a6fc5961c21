"""A command-line option's coercer, with the words ``--help`` shows for it.

Twisted's ``usage.Options`` turns an option's text into its value with the
coercer in the option's row, and shows the coercer's ``coerceDoc`` after
the option's description. Twisted's own coercers are functions with the
attribute set after their ``def``, which a type checker cannot follow; a
:class:`Coercer` declares it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Coercer(Generic[T]):
    """``coerce``, called as it is, with ``coerceDoc`` for ``--help``."""

    def __init__(self, coerce: Callable[[str], T], doc: str) -> None:
        self.coerce = coerce
        self.coerceDoc = doc

    def __call__(self, value: str) -> T:
        return self.coerce(value)


def documented(doc: str) -> Callable[[Callable[[str], T]], Coercer[T]]:
    """A decorator: the function as a :class:`Coercer` whose ``--help``
    words are ``doc``."""

    def document(coerce: Callable[[str], T]) -> Coercer[T]:
        return Coercer(coerce, doc)

    return document
