"""The Lua scripts of moderation and server admins in a cluster.

As for every cluster script (:mod:`chatroom.backends.redis.scripts`), these keep
the shared state consistent and decide nothing: :func:`chatroom.core.moderation.decide`
decides a moderation command on the facts read by ``TARGET`` (who the
target is, the server's keys) and ``FACTS`` (the room, and whether the
target is in it), and ``MODERATE`` applies its outcome only if the room and
the target are still as they were read (``CHANGED`` otherwise, and the node
decides again). Admin commands are checked in Python (is the actor an
admin?) before their script runs.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: ARGV: P, tu, ttoken. The server's step before a moderation's room step
#: (``MODERATE``) when the target was read connected but not in the room,
#: where the room keeps no copy of who holds it: ``CHANGED`` if that
#: session no longer holds the target's name (it was read apart from the
#: room, ``TARGET`` then ``FACTS``), so that no other holder of the name is
#: banned or invited as the one decided on.
MODERATING = Script("moderating")

#: ARGV: P, r, u, token, incarnation, ver (the facts decided on); new policy JSON ('-':
#: unchanged), its kept (0/1), restricted (0/1), owner account and moderated
#: (0/1: kept in the room's hash for ``SAY``'s premise), whether u owns
#: the room now (0/1: ``Outcome.actor_owns``); target u, target token
#: ('' for none: not connected) and whether the target was in the room (0/1);
#: the changes (a kick's: the target removed by the departure the node
#: decided; ``[]`` without a kick; the kick's departure is published
#: with a head naming the target's session, a ``KickHead``, by which its
#: node gives it ``Kicked``: :mod:`chatroom.core.nodemessages`); the most
#: entries the room's moderation log keeps and the entries the change
#: records there (a JSON array of encoded entries, ``[]`` for none); then
#: the room's other events, in order.
#:
#: The room's step (its server's steps, ``MODERATING`` before and
#: ``MODERATED`` after, are the node's to run): ``CHANGED`` if a target
#: read in the room is not, or is held by another session than ttoken
#: (the room's copy of who holds it: the kick's head names the session the
#: room has).
MODERATE = Script("moderate", room_at=2)

#: ARGV: P, tu, changes (a kick's, stored), the event to send the target
#: wherever it is ('' for none: ``Invited``). The server's step after a
#: moderation's room step: the indexes that named the room the kick left
#: go (``index_last``), and the target's sessions on every node hear it.
MODERATED = Script("moderated")

#: ARGV: P, r, incarnation, ver (the facts decided on), the new policy JSON, its
#: kept (0/1), restricted (0/1) and owner account, the new owner (u, in the
#: room; '' for nobody), the room's event ('' for none), its moderated (0/1:
#: for ``SAY``'s premise). A server admin's ``rooms give``
#: (:func:`chatroom.core.moderation.give`), an owner's ``/owner``, a deleted
#: account's room passed on: applied only if the room is as it was read and
#: the new owner still in it (``CHANGED`` otherwise).
GIVE = Script("give", room_at=2)

#: ARGV: P, u. The user called u, as moderation sees them (see ``moderation_target``),
#: from the server's keys alone (never in a room: ``FACTS`` says whether
#: they are in one).
TARGET = Script("target")

#: ARGV: P, u, then what its sessions are told (:func:`.endings.telling`:
#: the reason, the node's ``EndSession``, how long it stays listed), the
#: most entries the server's moderation log keeps and the entries the
#: kill records there (:func:`.modlog.carried`). An admin ends u's
#: session: the server's step of its end (:mod:`.endings`), the entries
#: recorded, answering ``OK``, the leavers, the copies to refresh and u's
#: name; ``NO_SUCH_USER``, nothing recorded, if nobody holds u.
KILL = Script("kill")

#: ARGV: P, event. To every named session of every node.
ANNOUNCE = Script("announce")
