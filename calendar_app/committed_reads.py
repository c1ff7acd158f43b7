"""Single reads of committed data that a request asks before anything else (the content version
of the page cache, the feeds' change marker): one statement on a driver connection of its own in
autocommit, with no ORM session and no BEGIN or ROLLBACK around it.

On PostgreSQL each thread keeps one connection and one cursor for these reads, opened the way the
engine opens its own (same URL and connect arguments) but outside its pool: no checkout, no
pre-ping and no reset, so a read is one round trip and little else. A connection found broken (a
restarted server) is replaced and the read tried once more; a forked process opens its own; the
engine's ``dispose()`` closes them all. On SQLite, where there is no round trip to save, the read
takes a pooled connection.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class _Reader:
    pid: int
    connection: Any
    cursor: Any


_local = threading.local()
_opened: WeakKeyDictionary[Engine, list[_Reader]] = WeakKeyDictionary()
_opened_lock = threading.Lock()


def read_committed_row(sql: str) -> tuple | None:
    """The one row of a read-only statement (None for none), as the driver gives it."""
    from .extensions import db

    engine = db.engine
    if engine.dialect.name != "postgresql":
        return _read_pooled(engine, sql)
    dbapi = engine.dialect.loaded_dbapi
    for attempt in range(2):
        reader = _reader(engine)
        try:
            reader.cursor.execute(sql)
            row = reader.cursor.fetchone()
            return None if row is None else tuple(row)
        except (dbapi.OperationalError, dbapi.InterfaceError):
            _drop(engine, reader)
            if attempt:
                raise
    return None


def _read_pooled(engine: Engine, sql: str) -> tuple | None:
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
            row = cursor.fetchone()
        finally:
            cursor.close()
        return None if row is None else tuple(row)
    finally:
        connection.close()


def _readers() -> WeakKeyDictionary[Engine, _Reader]:
    readers = getattr(_local, "readers", None)
    if readers is None:
        readers = _local.readers = WeakKeyDictionary()
    return readers


def _reader(engine: Engine) -> _Reader:
    """This thread's connection for ``engine``, opened now if it has none that is usable."""
    reader = _readers().get(engine)
    if reader is not None and reader.pid == os.getpid() and not reader.connection.closed:
        return reader
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    connection = engine.dialect.loaded_dbapi.connect(*args, **kwargs)
    connection.autocommit = True
    reader = _Reader(os.getpid(), connection, connection.cursor())
    _readers()[engine] = reader
    with _opened_lock:
        _opened.setdefault(engine, []).append(reader)
        if not event.contains(engine, "engine_disposed", _close_all):
            event.listen(engine, "engine_disposed", _close_all)
    return reader


def _drop(engine: Engine, reader: _Reader) -> None:
    """Forget a broken connection (closing it, unless it is a parent process's)."""
    _readers().pop(engine, None)
    with _opened_lock:
        opened = _opened.get(engine, [])
        if reader in opened:
            opened.remove(reader)
    _close(reader)


def _close_all(engine: Engine) -> None:
    with _opened_lock:
        readers = _opened.pop(engine, [])
    for reader in readers:
        _close(reader)


def _close(reader: _Reader) -> None:
    """Close a connection this process opened (a parent's belongs to the parent)."""
    if reader.pid != os.getpid():
        return
    with contextlib.suppress(Exception):  # already gone with the server: nothing to close
        reader.connection.close()
