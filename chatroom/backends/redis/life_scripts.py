"""The Lua scripts of reactions, typing notices and the moderation log.

As for every cluster script (:mod:`chatroom.backends.redis.scripts`), these
keep the shared state consistent and decide nothing the core decides:
``REACT`` checks that the message is still as the core read it (``CHANGED``
otherwise, and the node decides again) and changes who reacted with what
in one step, so two nodes cannot both add a room's twenty-first reaction;
``RELAY`` publishes a typing notice without keeping it, ``KEEP`` keeps
a tags-only message and publishes it, ``ATTACH`` a link
preview to whoever is in the room; ``MODLOG_ADD`` and
``MODLOG_READ`` keep and read a room's moderation log.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: ARGV: P, r, u, token, target id, the target as read, reaction,
#: adding ('1' or ''), most distinct reactions, the reaction event
#: (unnumbered), retention, prune every (changes; then the reactions to messages no
#: longer kept go: the hash's ``#changes`` counts). ``{'OK', 'changed'}``
#: once the event is published and kept (as ``SAY`` does, with the room's
#: next id), ``{'OK', 'same'}`` when
#: nothing changed, ``{'OK', 'full'}`` when the message has as many
#: distinct reactions as it may; ``CHANGED`` if the target is not as read.
REACT = Script("react", room_at=2)

#: ARGV: P, r, u, token, event. Published to the room, not kept.
RELAY = Script("relay", room_at=2)

#: ARGV: P, r, u, token, a tags-only message (unnumbered), retention,
#: oldest time kept (as ``SAY`` takes them). Numbers, publishes and keeps
#: it as ``SAY`` does a message (for IRC's event playback): ``{'OK', id, seq}``.
KEEP = Script("keep", room_at=2)

#: ARGV: P, r, the event. Publishes it to room r's members, whoever they
#: are, without keeping it (a link preview, which follows its message once
#: the node that took the message fetched it); nothing if the room is gone.
ATTACH = Script("attach", room_at=2)

#: ARGV: P, r, most entries kept, then the entries' lines. Nothing for a
#: room that is gone (deleted meanwhile: its log went with it); r ``*`` is
#: the server's log (chatroom.core.modlog.SERVER_LOG), of no room.
MODLOG_ADD = Script("modlog_add", room_at=2)

#: ARGV: P, r, count. The newest count entries, oldest first.
MODLOG_READ = Script("modlog_read", room_at=2)
