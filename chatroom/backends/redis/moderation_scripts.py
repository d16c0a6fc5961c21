"""The Lua scripts of moderation and server admins in a cluster.

As for every cluster script (:mod:`chatroom.backends.redis.scripts`), these keep
the shared state consistent and decide nothing:
:func:`chatroom.core.policy.moderation.decide`
decides a moderation command on the facts read by ``TARGET`` (who the
target is, the server's keys) and ``FACTS`` (the room, and whether the
target is in it), and ``MODERATE`` applies its outcome only if the room and
the target are still as they were read (``CHANGED`` otherwise, and the node
decides again). Admin commands are checked in Python (is the actor an
admin?) before their script runs.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script
from chatroom.core.model.changes.moderation import RoomModeration
from chatroom.core.model.changes.rooms import RoomSeating

#: Operands: ``change``. The server's step before a moderation's room
#: step (``MODERATE``) where rooms have slots of their own: the premises
#: read on the server's keys (the target's session, which the room can
#: say of a member alone: it was read apart from the room, ``TARGET``
#: then ``FACTS``), so that no other holder of the name is banned or
#: invited as the one decided on. ``CHANGED`` if one fails.
MODERATING = Script("moderating", subjects=(RoomModeration,))

#: Operands: ``change`` (a room's moderation as the core decided it:
#: :func:`chatroom.core.policy.moderation.change_of`, or a server admin's gift of
#: the room, :func:`chatroom.core.policy.moderation.gift_change`), ``user`` and
#: ``token`` of the member by whom (none: an admin's), ``heads`` (the
#: ``KickHead`` of each kick, naming the kicked session, before its
#: departure: :mod:`chatroom.core.model.nodemessages`), ``keep`` (the most
#: entries a moderation log keeps) and, with rooms apart, ``step``:
#: ``room`` (``MODERATING`` read the rest). The room's step (its server's
#: steps, ``MODERATING`` before and ``MODERATED`` after, are the node's to
#: run): ``CHANGED`` and the failed premise's place if one no longer holds.
MODERATE = Script("moderate", room_at="change", subjects=(RoomModeration, RoomSeating))

#: Operands: ``changes`` (a kick's departures, stored), ``user`` (the
#: target's key) and ``told``, the event its sessions hear wherever they
#: are ('' for none: ``Invited``). The server's step after a moderation's
#: room step: the indexes that named the room the kick left go
#: (``index_last``), and the target's sessions on every node hear it.
MODERATED = Script("moderated")

#: Operands: user. The user called so, as moderation sees them (see
#: ``moderation_target``), from the server's keys alone (never in a room:
#: ``FACTS`` says whether they are in one).
TARGET = Script("target")

#: Operands: event. To every named session of every node.
ANNOUNCE = Script("announce")

#: Operands: order (a ``StandHere``), node (this one's id). The order to
#: every other node; answers how many were told.
STAND_ELSEWHERE = Script("stand-elsewhere")
