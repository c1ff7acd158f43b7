"""The content version: a number that moves, in the same transaction, with every commit that
changes what visitors can see, so that a worker can tell in one indexed read whether a page it
rendered earlier is still what it would render now (calendar_app/page_cache.py).

Every statement that goes through the engine is watched, whoever sends it (the ORM, Core, raw
SQL, a command): an INSERT, UPDATE or DELETE of any table but the few that no public page shows
marks the connection, and the transaction's commit moves the version on just before it commits.
A statement may move it itself along with its writes (a registration's, on PostgreSQL:
``database.insert_loaded_pair``, then ``mark_moved``); the commit then leaves it. On PostgreSQL
the version's row stays locked only from that update to the commit; on SQLite the writer already
holds the database's write lock. A reader that sees version N therefore sees
every change committed with N or before.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from .committed_reads import read_committed_row

# Tables that no public page or API answer shows: writing them leaves the pages as they are.
UNSEEN_TABLES = frozenset(
    {
        "outbox_messages",
        "staff_users",
        "staff_branches",
        "api_tokens",
        "content_version",
        "event_seat_tallies",  # moved with the registrations, whose writes move the version
    }
)
# An execution option for connections that must not move the version (the migrations, which
# may write tables before this one exists; the service restarts after them anyway).
QUIET = "content_version_quiet"

_WRITE = re.compile(r'\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)', re.I)
_CHANGED = "content_changed"  # True: move the version at commit; _MOVED: moved already
_MOVED = "moved"
_BUMP = "UPDATE content_version SET version = version + 1 WHERE id = 1"
_READ = "SELECT version FROM content_version WHERE id = 1"


def changes_content(statement: str) -> bool:
    """Whether a SQL statement writes a table that visitors can see."""
    match = _WRITE.match(statement)
    return match is not None and match.group(1).lower() not in UNSEEN_TABLES


def mark_changed(connection: Connection) -> None:
    """Move the version on when this connection's transaction commits (for a statement sent
    past the engine's events, ``database.DriverStatement``)."""
    connection.info.setdefault(_CHANGED, True)


def mark_moved(connection: Connection) -> None:
    """This connection's transaction has moved the version itself (a statement that updated
    ``content_version`` along with its writes): the commit leaves it, and later writes in the
    same transaction commit with that version too."""
    connection.info[_CHANGED] = _MOVED


def watch_engine(engine: Engine) -> None:
    """Move the content version with every commit that wrote a table visitors can see."""

    @event.listens_for(engine, "after_cursor_execute")
    def _note_write(
        connection: Connection,
        _cursor: Any,
        statement: str,
        _parameters: Any,
        context: Any,
        _executemany: bool,
    ) -> None:
        if connection.info.get(_CHANGED) or not changes_content(statement):
            return
        if context is not None and context.execution_options.get(QUIET):
            return
        mark_changed(connection)

    @event.listens_for(engine, "commit")
    def _move_on(connection: Connection) -> None:
        if connection.info.pop(_CHANGED, False) is True:
            cursor = connection.connection.cursor()
            try:
                cursor.execute(_BUMP)
            finally:
                cursor.close()

    @event.listens_for(engine, "rollback")
    def _forget(connection: Connection) -> None:
        if connection.invalidated:  # lost with its transaction: nothing to forget, no info left
            return
        connection.info.pop(_CHANGED, None)


def content_version() -> int | None:
    """The committed content version, read outside any transaction of the request; None if
    its row is missing (nothing can then be known to be unchanged)."""
    row = read_committed_row(_READ)
    return None if row is None else row[0]
