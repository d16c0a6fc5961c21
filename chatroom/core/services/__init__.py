"""The services the doors call, one per concern.

A door holds one :class:`~chatroom.core.registry.Registry` and asks each
question of the service that owns it: ``accounts`` (registering, signing
in, passwords, the accounts' records), ``rooms`` (the room list, joins,
creates, leaves, topics, deletion, a room's settings), ``messages`` (what
is said to a room or a user, its life, history and search),
``moderation`` (a room's moderation, its log, the server's admins, its
bans, its lockdown), ``presence`` (away, realname, who is online,
``WHOWAS``, ``MONITOR``, ``LUSERS``) and ``users`` (a user's own data,
whom it ignores, Web Push). Read markers, webhooks, an account's devices,
the messages' threads and pins, an account's notification levels and the
server's bans are each already one object
(:class:`~chatroom.core.services.reading.Markings`,
:class:`~chatroom.core.rooms.webhooks.Webhooks`,
:class:`~chatroom.core.services.devices.Devices`,
:class:`~chatroom.core.messages.threads.MessageThreads`,
:class:`~chatroom.core.messages.pins.Pins`,
:class:`~chatroom.core.accounts.notify_levels.NotifyLevels`,
:class:`~chatroom.core.moderation.serverbans.ServerBans`), which the registry hands
the doors as it is. Each service holds the code of its commands: none passes
a call on to another object of the core with the same arguments (the doors
call that object). A read the back-end answers as it is (a room's roster,
the names online, the census) is asked through the service of its concern
all the same, as a door never holds the back-end.
"""
