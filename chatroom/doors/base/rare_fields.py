"""Fields an object per connection rarely sets: kept apart, made on first use.

A server holds one session per client, so each slot costs every idle
connection 8 bytes. Most of an IRC session's fields are at their default
for nearly all of its life (no ``AWAY``, no ``MONITOR`` list, no SASL in
progress, no multiline batch or labeled command running), so they live in
one small dict, ``_extras``, made when one of them first takes another
value and dropped again once all are back at their defaults: an idle
connection holds ``None`` there. Reading such a field costs a descriptor
call, which is why fields read on every delivery stay slots.

    class Session:
        __slots__ = ("_extras",)
        away = Rare("")

        def __init__(self) -> None:
            self._extras = None
"""

from __future__ import annotations

from typing import Any, Generic, Protocol, TypeVar, overload

T = TypeVar("T")


class RareHolder(Protocol):
    """An object with :class:`Rare` fields: their dict, None while every
    one is at its default."""

    _extras: dict[str, Any] | None


class Rare(Generic[T]):
    """A field at ``default`` unless set otherwise, stored in the owner's
    ``_extras`` dict (None while every such field is at its default)."""

    __slots__ = ("default", "name")

    def __init__(self, default: T) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, holder: None, owner: type) -> Rare[T]: ...

    @overload
    def __get__(self, holder: RareHolder, owner: type) -> T: ...

    def __get__(self, holder: RareHolder | None, owner: type) -> T | Rare[T]:
        if holder is None:
            return self
        extras = holder._extras
        if extras is None:
            return self.default
        return extras.get(self.name, self.default)

    def __set__(self, holder: RareHolder, value: T) -> None:
        extras = holder._extras
        default = self.default
        if value is default or (type(value) is type(default) and value == default):
            if extras is not None:
                extras.pop(self.name, None)
                if not extras:
                    holder._extras = None
            return
        if extras is None:
            holder._extras = extras = {}
        extras[self.name] = value
