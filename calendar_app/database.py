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
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from select import POLLIN, poll
from typing import Any

from flask import Flask, has_request_context, request
from sqlalchemy import Column, Executable, Insert, bindparam, event, insert, inspect, select, update
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, SessionTransaction, make_transient, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_dict
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
    ``SELECT 1`` round trip before every checkout). What it cannot see, the pre-ping saw: a
    connection lost without a word (a cable pulled), a server restarted behind a connection
    pooler that keeps the client's side open, or a connection taken in the instant before the
    server's goodbye arrives. Then the first statement fails (that request gets an error, as one
    in flight during a restart does) and the failed connection is replaced.
    """
    if dbapi_connection.closed:
        return True
    poller = poll()
    try:
        poller.register(dbapi_connection.fileno(), POLLIN)
    except Exception:  # the driver has no socket to give: nothing to use either
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
class _DriverPlan:
    sql: str
    order: tuple[str, ...] | None  # a positional paramstyle's order of the parameters
    defaults: dict[str, Any]
    required: tuple[str, ...]  # parameters without a value of their own
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    results: tuple[Callable[[Any], Any] | None, ...]
    changes_content: bool

    def parameters(self, given: Mapping[str, Any]) -> Any:
        missing = [name for name in self.required if name not in given]
        if missing:
            raise ArgumentError(f"no value given for the parameters {missing}")
        values = {**self.defaults, **given}
        for name, process in self.binds:
            values[name] = process(values[name])
        return values if self.order is None else [values[name] for name in self.order]

    def processed(self, fetched: list[Any]) -> list[tuple[Any, ...]]:
        if not any(self.results):
            return fetched
        return [
            tuple(
                value if process is None else process(value)
                for value, process in zip(row, self.results, strict=True)
            )
            for row in fetched
        ]


class DriverStatement:
    """A Core statement compiled once per dialect and sent straight to the driver, on the
    session's connection and in its transaction.

    For the statements a registration sends while it holds its event's lock: there SQLAlchemy's
    work around each execution (execution context, result object, ORM) cost more than the
    statements, and every other registration for the event waits meanwhile. Parameters and rows
    go through the columns' own type processors (UTC datetimes as SQLite's text), driver errors
    come out as SQLAlchemy's (an IntegrityError for a unique index; a lost connection is
    invalidated), and a write to a table that visitors see moves the content version with the
    commit, as every statement's does.

    What it leaves out: no engine event fires (SQL echo, statement counters) and no execution
    option applies (the session is flushed first, as for any statement).
    Statements with expanding ``IN`` parameters or parameter names that need escaping are
    refused when first run.
    """

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._plans: dict[str, _DriverPlan] = {}

    def rows(self, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with ``parameters`` (by bind name); the rows it returns, if any."""
        from .content_version import mark_changed
        from .extensions import db

        session = db.session()
        if session.autoflush:  # what the ORM holds unwritten, the statement must see
            session.flush()
        connection = session.connection()
        dialect = connection.dialect
        plan = self._plans.get(dialect.name) or self._plan(dialect)
        values = plan.parameters(parameters)
        cursor = connection.connection.cursor()
        try:
            cursor.execute(plan.sql, values)
            # A statement with columns always returns a result set; asking the cursor instead
            # (its description) builds the columns' descriptions anew each time.
            fetched = cursor.fetchall() if plan.results else []
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, connection.connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                plan.sql,
                values,
                error,
                dialect.loaded_dbapi.Error,
                hide_parameters=connection.engine.hide_parameters,
                connection_invalidated=lost,
                dialect=dialect,
            ) from error
        finally:
            cursor.close()
        if plan.changes_content:
            mark_changed(connection)
        return plan.processed(fetched)

    def _plan(self, dialect: Dialect) -> _DriverPlan:
        from .content_version import changes_content

        compiled = self._statement.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.escaped_bind_names:
            raise NotImplementedError("expanding or escaped parameters are not sent this way")
        binds = []
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                binds.append((name, process))
        plan = _DriverPlan(
            sql=compiled.string,
            order=tuple(compiled.positiontup) if compiled.positiontup else None,
            defaults=dict(compiled.params),
            required=tuple(name for bind, name in compiled.bind_names.items() if bind.required),
            binds=tuple(binds),
            results=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in self._statement.exported_columns
            ),
            changes_content=changes_content(compiled.string),
        )
        self._plans[dialect.name] = plan
        return plan


@dataclass(frozen=True)
class _InsertPlan:
    insert: Insert  # every column but the key, its parameter named by attribute; RETURNING key
    statement: DriverStatement  # that insert, sent straight to the driver
    # (attribute, the column's scalar default or None) of every column but the key
    columns: tuple[tuple[str, Any], ...]
    table_columns: tuple[Column[Any], ...]  # those columns, in the same order
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
        columns.append((attribute.key, column, scalar))
    statement = (
        insert(model)
        .values({column: bindparam(attribute) for attribute, column, _ in columns})
        .returning(*mapper.primary_key)
    )
    return _InsertPlan(
        insert=statement,
        statement=DriverStatement(statement),
        columns=tuple((attribute, scalar) for attribute, _, scalar in columns),
        table_columns=tuple(column for _, column, _ in columns),
        key_attributes=tuple(
            mapper.get_property_by_column(column).key for column in mapper.primary_key
        ),
    )


# The objects insert_loaded attached in the session's transaction (in ``session.info``).
_INSERTED = "inserted_loaded"


def insert_loaded(instance: Any) -> None:
    """Insert a new ORM object with one statement sent straight to the driver, and attach it to
    the session as loaded.

    For the rows written while an event is locked: the unit of work's flush cost more than the
    insert itself there. Every column is written (unset ones with their column default, else
    NULL), so that no attribute is loaded again afterwards. Errors are the database's, as with a
    flush (an IntegrityError for a unique index).
    """
    plan = _insert_plan(type(instance))
    written = _written(plan, instance)
    (row,) = plan.statement.rows(written)
    _attach_loaded(instance, written, zip(plan.key_attributes, row, strict=True))


def insert_loaded_pair(parent: Any, child: Any, foreign_key: str) -> None:
    """``insert_loaded`` for a new row and a new row that refers to it (``child.<foreign_key>``
    becomes the parent's id): on PostgreSQL in one statement, which also moves the content
    version (the commit then leaves it), so a registration and its outbox row cost one round
    trip under the event's lock instead of three; elsewhere one insert after the other.
    """
    from .content_version import mark_moved
    from .extensions import db

    connection = db.session.connection()
    # Inside a savepoint the version's update could be rolled back without the connection
    # knowing it: there the commit moves the version, as for any other write.
    if connection.dialect.name != "postgresql" or db.session().in_nested_transaction():
        insert_loaded(parent)
        setattr(child, foreign_key, inspect(parent).identity[0])
        insert_loaded(child)
        return
    plan = _pair_plan(type(parent), type(child), foreign_key)
    parent_written = _written(plan.parent, parent)
    child_written = _written(plan.child, child)
    child_written.pop(foreign_key)
    ((child_id, parent_id),) = plan.statement.rows(
        {**parent_written, **{_CHILD + name: value for name, value in child_written.items()}}
    )
    mark_moved(connection)
    _attach_loaded(parent, parent_written, [(plan.parent.key_attributes[0], parent_id)])
    child_written[foreign_key] = parent_id
    _attach_loaded(child, child_written, [(plan.child.key_attributes[0], child_id)])


_CHILD = "child_"  # the prefix of the child's parameters in a pair's statement


@dataclass(frozen=True)
class _PairPlan:
    parent: _InsertPlan
    child: _InsertPlan
    statement: DriverStatement


@functools.cache
def _pair_plan(parent_model: type, child_model: type, foreign_key: str) -> _PairPlan:
    """WITH content_moved AS (UPDATE content_version ...), parent_row AS (INSERT ...
    RETURNING id) INSERT INTO child (...) SELECT ..., parent_row.id FROM parent_row
    RETURNING child.id, child.fk"""
    from .models import ContentVersion

    parent_plan, child_plan = _insert_plan(parent_model), _insert_plan(child_model)
    (parent_key,) = inspect(parent_model).primary_key
    child_mapper = inspect(child_model)
    (child_key,) = child_mapper.primary_key
    parent_row = parent_plan.insert.cte("parent_row")
    moved = (
        update(ContentVersion)
        .where(ContentVersion.id == 1)
        .values(version=ContentVersion.version + 1)
        .cte("content_moved")
    )
    values = [
        parent_row.c[parent_key.name]
        if attribute == foreign_key
        else bindparam(_CHILD + attribute, type_=column.type)
        for (attribute, _), column in zip(child_plan.columns, child_plan.table_columns, strict=True)
    ]
    statement = (
        insert(child_model)
        .from_select(child_plan.table_columns, select(*values).select_from(parent_row))
        .add_cte(moved)
        .returning(child_key, child_mapper.attrs[foreign_key].columns[0])
    )
    return _PairPlan(parent_plan, child_plan, DriverStatement(statement))


def _written(plan: _InsertPlan, instance: Any) -> dict[str, Any]:
    """Every column's value for an insert: the object's, else the column's scalar default."""
    state = instance_dict(instance)
    return {attribute: state.get(attribute, default) for attribute, default in plan.columns}


def _attach_loaded(instance: Any, written: dict[str, Any], keys: Any) -> None:
    """What was written is the object's state now, as if it had been loaded."""
    from .extensions import db

    state = instance_dict(instance)
    state.update(written)
    state.update(keys)
    make_transient_to_detached(instance)
    db.session.add(instance)
    db.session.info.setdefault(_INSERTED, []).append(instance)


@event.listens_for(Session, "after_soft_rollback")
def _forget_inserted(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback takes back the rows ``insert_loaded`` wrote, so their objects leave the
    session, as the ORM's own new objects do; else the next row given the same id (SQLite reuses
    them) could not be attached. (A savepoint's rollback is not followed: none is taken around
    these inserts.)"""
    if previous_transaction.parent is not None:
        return
    for instance in session.info.pop(_INSERTED, ()):
        make_transient(instance)


@event.listens_for(Session, "after_commit")
def _keep_inserted(session: Session) -> None:
    session.info.pop(_INSERTED, None)
