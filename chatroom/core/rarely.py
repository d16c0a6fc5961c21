"""Fields nearly every object of a kind leaves at their defaults, kept in
one holder made on first use.

A server keeps some objects once for every connection (its
:class:`~chatroom.doors.base.connection.Connection`, its
:class:`~chatroom.core.seats.Seat`) or for every room a node has members
in (:class:`~chatroom.backends.redis.delivery.NodeRoom`), and a million
connections on one machine is a budget of about 4 KiB each
(docs/performance.md, "How many on one machine"): a slot is 8 bytes of
every one of them. Fields that few set (a second device, a close reason,
messages withheld) are therefore declared with :class:`Rarely` on their
owner and live in a :class:`RareFields` holder, which the owner keeps in
its ``_rare`` slot: None while every such field is at its default, made
when one is set to something else, and let go once all are back at their
defaults. A default is compared by identity (None, False, ``()``, a
shared empty set), so setting a field back to its default constant is
what lets the holder go.

A read is a descriptor call and an attribute read on the holder. Where
every delivery reads a field, the owner reads ``_rare`` directly instead
(:class:`~chatroom.backends.redis.delivery.NodeRoom`).
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar, overload

T = TypeVar("T")


class RareFields:
    """The holder of one class's rarely set fields: a subclass lists them
    in its ``__slots__``; each :class:`Rarely` declared with it adds its
    field's name and default to :attr:`fields`."""

    __slots__ = ()

    #: Each field's name and default, in the order they were declared.
    fields: ClassVar[tuple[tuple[str, Any], ...]] = ()

    def __init__(self) -> None:
        for name, default in self.fields:
            setattr(self, name, default)

    def idle(self) -> bool:
        """Whether every field is back at its default (the holder may go)."""
        return all(getattr(self, name) is default for name, default in self.fields)


class Rarely(Generic[T]):
    """A field of its owner kept in the owner's ``_rare`` holder (of class
    ``holder``, as ``name`` there): ``default`` while there is none.
    Setting it to anything but its default makes the holder; setting every
    field back to its default lets the holder go."""

    __slots__ = ("default", "holder", "name")

    def __init__(self, holder: type[RareFields], name: str, default: T) -> None:
        self.holder, self.name, self.default = holder, name, default
        holder.fields = (*holder.fields, (name, default))

    @overload
    def __get__(self, owner: None, kind: type) -> Rarely[T]: ...

    @overload
    def __get__(self, owner: object, kind: type) -> T: ...

    def __get__(self, owner: object | None, kind: type) -> T | Rarely[T]:
        if owner is None:
            return self
        rare = owner._rare  # type: ignore[attr-defined]
        return self.default if rare is None else getattr(rare, self.name)

    def __set__(self, owner: Any, value: T) -> None:
        rare = owner._rare
        if value is self.default:
            if rare is not None:
                setattr(rare, self.name, value)
                if rare.idle():
                    owner._rare = None
            return
        if rare is None:
            rare = owner._rare = self.holder()
        setattr(rare, self.name, value)
