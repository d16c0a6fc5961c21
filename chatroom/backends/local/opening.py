"""Opening the store ``--db`` names, with the threads it runs on.

Kept apart from :mod:`chatroom.backends.local.store` (the stores
themselves): choosing between them, locking the file against a second
server and starting their threads is the wiring's one call.
"""

from __future__ import annotations

from twisted.internet.interfaces import IReactorTime

from chatroom.backends.local.dbfile import ServerLock, check_directory
from chatroom.backends.local.store import MemoryStore, Runner, SqliteStore, Store
from chatroom.core.threads import PrivateThreads


def open_store(
    path: str,
    clock: IReactorTime,
    retention: int,
    retention_age: float = 0.0,
    run: Runner | None = None,
) -> Store:
    """The store ``--db`` names: SQLite at ``path``, nothing for ``:memory:``.

    Without ``run``, writes go to a thread of their own (one thread, so
    they stay in order), started now and stopped when the reactor stops.
    """
    if path == ":memory:":
        if run is None:
            return MemoryStore(retention, PrivateThreads(clock, "chatroom-search", 1))
        return MemoryStore(retention)
    check_directory(path)
    lock = ServerLock(path)  # before SQLite touches a file another server uses
    try:
        searching = None
        if run is None:
            run = PrivateThreads(clock, "chatroom-store", 1)
            searching = PrivateThreads(clock, "chatroom-search", 1)
        return SqliteStore(path, clock, run, retention, retention_age, lock, searching)
    except BaseException:
        lock.release()
        raise
