"""The Lua scripts of reactions, typing notices and the moderation log.

As for every cluster script (:mod:`chatroom.backends.redis.scripts`), these
keep the shared state consistent and decide nothing the core decides:
``REACTION_FACTS`` reads what a reaction is decided on; ``REACT`` checks
that the message and its reactions are still as the core read them
(``CHANGED`` otherwise, and the node decides again) and changes who
reacted with what in one step, so two nodes cannot both add a room's
twenty-first reaction;
``RELAY`` publishes a typing notice without keeping it, ``KEEP`` keeps
a tags-only message and publishes it, ``ATTACH`` a link
preview to whoever is in the room; ``MODLOG_ADD`` and
``MODLOG_READ`` keep and read a room's moderation log.
"""

from __future__ import annotations

from chatroom.backends.redis.prelude import Script

#: ARGV: P, r, u, token, target id, the target as read, reaction,
#: adding ('1' or ''), whether u gave it as read ('1' or ''), most distinct
#: reactions as read ('': not a premise), the reaction event (unnumbered),
#: retention, prune every (changes; then the reactions to messages no
#: longer kept go: the hash's ``#changes`` counts). ``OK`` once the
#: reaction is changed and the event published and kept (as ``SAY`` does,
#: with the room's next id); ``CHANGED`` if the target, u's reaction or the
#: message's count of reactions is not as read.
REACT = Script("react", room_at=2)

#: ARGV: P, r, target id, reaction, u. What a reaction of u to the target
#: is decided on: ``{distinct reactions, given by anyone (1/0), given by u
#: (1/0)}``.
REACTION_FACTS = Script("reaction-facts", room_at=2)

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

#: :data:`MODLOG_ADD` and :data:`MODLOG_READ` of the server's log (r
#: ``*``): in the server's slot in either layout (``server-modlog`` with
#: rooms apart), beside the keys of the actions it records, whose scripts
#: write it with them (:func:`.modlog.carried`).
SERVER_MODLOG_ADD = Script("modlog_add")
SERVER_MODLOG_READ = Script("modlog_read")

#: ARGV: P, ``*``, count. With rooms apart, the server's log as an older
#: version kept it, in a slot of its own as if it were a room's: read
#: before the server's slot's entries, and never written.
OLDER_SERVER_MODLOG_READ = Script("modlog-read-older", room_at=2)
