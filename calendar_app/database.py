"""Engine set-up: SQLite tuned for several concurrent writers; PostgreSQL connections checked
without a round trip when the pool hands them out.

SQLite: WAL, foreign keys, a busy timeout, and the pysqlite driver's own transaction handling
switched off so that we emit BEGIN ourselves. A transaction that may write begins with
``BEGIN IMMEDIATE`` (it takes the write lock at once, so two writers queue on the busy timeout
instead of failing on a lock upgrade); a read-only request (GET/HEAD/OPTIONS) begins a plain
deferred transaction and never blocks writers or waits for them.
"""

from __future__ import annotations

import functools
import select
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import Insert, event, insert, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import String

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SQLITE_BUSY_TIMEOUT_MS = 30_000

_read_only_override: ContextVar[bool | None] = ContextVar("read_only_override", default=None)


def transaction_is_read_only() -> bool:
    """Whether the transaction about to begin is known not to write."""
    override = _read_only_override.get()
    if override is not None:
        return override
    if has_request_context():
        return request.method in READ_ONLY_METHODS
    return False


@contextmanager
def _transactions_read_only(read_only: bool) -> Iterator[None]:
    token = _read_only_override.set(read_only)
    try:
        yield
    finally:
        _read_only_override.reset(token)


def read_only_transactions() -> AbstractContextManager[None]:
    """Begin deferred transactions inside this block (for read-only CLI work and benches)."""
    return _transactions_read_only(True)


def writing_transactions() -> AbstractContextManager[None]:
    """Begin writing transactions inside this block, even in a GET request (which records
    something on the side, such as when an API token was last used)."""
    return _transactions_read_only(False)


class unicode_lower(FunctionElement):  # noqa: N801 (reads like the SQL function it is)
    """``lower()`` that folds every script: SQLite's built-in one only folds ASCII letters."""

    type = String()
    inherit_cache = True
    name = "unicode_lower"


@compiles(unicode_lower)
def _compile_unicode_lower(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(unicode_lower, "sqlite")
def _compile_unicode_lower_sqlite(element: unicode_lower, compiler: Any, **kw: Any) -> str:
    return f"unicode_lower({compiler.process(element.clauses, **kw)})"


def _python_lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def engine_options(database_uri: str) -> dict[str, Any]:
    if database_uri.startswith("sqlite"):
        return {
            "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        }
    return {}


def connection_was_ended(dbapi_connection: Any) -> bool:
    """Whether the server has ended an idle pooled connection, seen without a round trip.

    A server that ends a connection (a restart, ``pg_terminate_backend``, an idle timeout) sends
    its reason and closes the socket, so the socket of an idle connection it has ended has
    something to read; a healthy idle one has nothing. This replaces the pool's pre-ping (a
    ``SELECT 1`` round trip before every checkout). A connection that is lost without a word (a
    cable pulled) is caught by neither check: the first statement fails, and the pool is
    refreshed by the disconnect that error shows.
    """
    if dbapi_connection.closed:
        return True
    poller = select.poll()
    try:
        poller.register(dbapi_connection.fileno(), select.POLLIN)
    except (OSError, ValueError):  # no socket left
        return True
    return bool(poller.poll(0))


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "checkout")
        def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
            if connection_was_ended(dbapi_connection):
                raise DisconnectionError("the server ended this connection")  # the pool retries

        return
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        dbapi_connection.create_function("unicode_lower", 1, _python_lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN" if transaction_is_read_only() else "BEGIN IMMEDIATE")


def init_database(app: Flask) -> None:
    from .content_version import watch_engine
    from .extensions import db

    with app.app_context():
        configure_engine(db.engine)
        watch_engine(db.engine)


@contextmanager
def unit_of_work() -> Iterator[None]:
    """One request's (or command's) changes: committed once if the block ends normally.

    Any exception rolls everything back (the services only flush) and goes on up, so a view
    catches the domain errors it shows as form errors around this block and changes nothing.
    """
    from .extensions import db

    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


@dataclass(frozen=True)
class _InsertPlan:
    statement: Insert
    # (attribute, column key, the column's scalar default or None) of every column but the key
    columns: tuple[tuple[str, str, Any], ...]
    key_attributes: tuple[str, ...]


@functools.cache
def _insert_plan(model: type) -> _InsertPlan:
    mapper = inspect(model)
    columns = []
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        if column.primary_key:
            continue
        default = column.default
        scalar = default.arg if default is not None and default.is_scalar else None
        columns.append((attribute.key, column.key, scalar))
    return _InsertPlan(
        statement=insert(model).returning(*mapper.primary_key),
        columns=tuple(columns),
        key_attributes=tuple(
            mapper.get_property_by_column(column).key for column in mapper.primary_key
        ),
    )


def insert_loaded(instance: Any) -> None:
    """Insert a new ORM object with one Core statement and attach it to the session as loaded.

    For the rows written while an event is locked: the unit of work's flush cost more than the
    insert itself there. Every column is written (unset ones with their column default, else
    NULL) so that no attribute is loaded again afterwards. Errors are the database's, as with a
    flush (an IntegrityError for a unique index).
    """
    from .extensions import db

    plan = _insert_plan(type(instance))
    state = instance.__dict__
    values: dict[str, Any] = {}
    for attribute, column, default in plan.columns:
        if attribute not in state:
            setattr(instance, attribute, default)
        values[column] = state[attribute]
    row = db.session.connection().execute(plan.statement, values).one()
    for attribute, value in zip(plan.key_attributes, row, strict=True):
        setattr(instance, attribute, value)
    make_transient_to_detached(instance)
    db.session.add(instance)
