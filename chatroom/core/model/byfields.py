"""Equality and hashing by a tuple of fields, for slotted classes that
stand where a frozen dataclass did but keep some fields apart (the rarely
set ones in one tuple: :class:`chatroom.core.infra.seats.Session`,
:class:`chatroom.backends.redis.outcomes.RedisSeating`)."""

from __future__ import annotations

from abc import ABC, abstractmethod


class ByFields(ABC):
    """Equal to an object of the same class with the same :meth:`_fields`,
    and hashed by them."""

    __slots__ = ()

    @abstractmethod
    def _fields(self) -> tuple[object, ...]:
        """The fields that make the object what it is, in one tuple."""

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, ByFields)
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())
