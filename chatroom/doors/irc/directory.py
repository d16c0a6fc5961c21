"""What the IRC door knows of its own users, for ``WHOIS``, ``MONITOR``
and ``AWAY``.

The registry knows names and rooms, not IRC's per-user facts (the
username and realname given with ``USER``, when a user last spoke, an
away message): those belong to this door, so one
:class:`Directory` per IRC door (held by its factory, shared by its
sessions) keeps them for the IRC users connected to this node:

- **who is here**: each registered IRC session by its nick's key, so
  ``WHOIS`` can say a user's realname, idle time (``317``) and away
  message (``301``), and ``PRIVMSG`` to an away user answers ``301``;
- **who watches whom** (``MONITOR``): a nick's watchers here hear ``730``
  when it arrives and ``731`` when it goes, and with ``extended-monitor``
  its ``AWAY``, ``SETNAME`` and ``ACCOUNT``, at any door on any node: the
  shared side tells every node's door the
  :class:`~chatroom.core.model.events.Watched` news it :meth:`Directory.heard`
  (:mod:`chatroom.core.server.watching`), while the door has watchers.

Users of the other doors, and IRC users of other cluster nodes, are not in
it: ``WHOIS`` and ``WHO`` find the first through their rooms and the
second by their presence, which their own node shares
(:mod:`chatroom.core.model.presence`). Who was here (``WHOWAS``) is the
core's, for every node (:mod:`chatroom.core.model.whowas`).
"""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar

from chatroom.core.model.events import Sighting, Watched
from chatroom.core.model.text import name_key


class Listed(Protocol):
    """What the directory needs of a session: where ``MONITOR`` news goes.
    (A protocol rather than the session's class, which imports this
    module: no import cycle.)"""

    def monitored(self, nick: str, online: bool) -> None: ...

    def news_of(self, news: Watched) -> None: ...


S = TypeVar("S", bound=Listed)


class Directory(Generic[S]):
    """The IRC door's users on this node (see the module's docstring)."""

    def __init__(self) -> None:
        self.here: dict[str, S] = {}
        #: Nick key → the sessions monitoring it.
        self.watchers: dict[str, set[S]] = {}
        #: Account → the times its sessions set with MARKREAD (per target).
        self.stamps: dict[str, dict[str, tuple[int, str]]] = {}
        #: Account key → its sessions here that signed in to it (they share
        #: one nick, so :attr:`here` holds the last of them): what they
        #: were sent is where another one's replays start
        #: (chatroom.doors.irc.positions).
        self.devices: dict[str, set[S]] = {}

    def find(self, nick: str) -> S | None:
        return self.here.get(name_key(nick))

    def arrived(self, session: S, nick: str) -> None:
        """``session`` now holds ``nick`` (registered, or renamed to it)."""
        self.here[name_key(nick)] = session

    def left(self, session: S, nick: str) -> None:
        """``session`` no longer holds ``nick`` (renamed, or gone)."""
        key = name_key(nick)
        if self.here.get(key) is session:  # not already someone else's
            del self.here[key]

    def signed_in(self, session: S, account: str) -> set[S]:
        """``session`` signed in to ``account``: the account's other
        sessions here."""
        devices = self.devices.setdefault(account, set())
        others = set(devices)
        devices.add(session)
        return others - {session}

    def signed_out(self, session: S) -> None:
        """``session`` is gone: no longer one of its account's here."""
        for account, devices in list(self.devices.items()):
            devices.discard(session)
            if not devices:
                del self.devices[account]

    # -- MONITOR --------------------------------------------------------------

    def watch(self, session: S, nick: str) -> bool:
        """``session`` watches ``nick``: True if it is the first nick anyone
        here watches (the door then follows the shared side's news)."""
        first = not self.watchers
        self.watchers.setdefault(name_key(nick), set()).add(session)
        return first

    def unwatch(self, session: S, nick: str) -> bool:
        """``session`` no longer watches ``nick``: True if nobody here
        watches anyone any more (the door then stops following)."""
        key = name_key(nick)
        watching = self.watchers.get(key)
        if watching is not None:
            watching.discard(session)
            if not watching:
                del self.watchers[key]
                return not self.watchers
        return False

    def heard(self, news: Watched) -> None:
        """The shared side's news of a user (:mod:`chatroom.core.server.watching`),
        to the sessions here watching its name: ``730``/``731``, or what
        ``extended-monitor`` tells (each session decides: its caps, the
        channels it shares with the user)."""
        watchers = self.watchers.get(name_key(news.user))
        if not watchers:
            return
        online = news.sighting is Sighting.ONLINE
        for watcher in list(watchers):
            if online or news.sighting is Sighting.OFFLINE:
                watcher.monitored(news.user, online)
            else:
                watcher.news_of(news)
