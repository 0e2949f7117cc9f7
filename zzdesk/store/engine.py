"""Engines for SQLite (the embedded default) and any other SQLAlchemy URL (PostgreSQL for offices).

SQLite connections get the pragmas of DESIGN.md §4 on connect, and transactions are begun by us:
``BEGIN IMMEDIATE`` for writes, so a read-then-write never loses an update to another writer.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from zzdesk.domain.errors import StorageError, ValidationError
from zzdesk.locations import default_database_file

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "zzdesk_write"


@dataclass(frozen=True)
class DatabaseTarget:
    """What the user asked to open: a URL, and the file behind it when it is SQLite."""

    url: str | URL
    sqlite_path: Path | None
    is_default: bool = False

    @property
    def display_name(self) -> str:
        if self.sqlite_path is not None:
            return str(self.sqlite_path)
        return make_url(self.url).render_as_string(hide_password=True)


def resolve_target(db: str | None) -> DatabaseTarget:
    """``--db`` or ``ZZDESK_DB``: a file path or any SQLAlchemy URL; otherwise the default file."""
    value = (db or os.environ.get("ZZDESK_DB") or "").strip()
    if not value:
        path = default_database_file()
        return DatabaseTarget(_sqlite_url(path), path, is_default=True)
    if "://" in value:
        try:
            url = make_url(value)
        except ArgumentError:
            raise StorageError(f"数据库地址“{value}”无法识别，"
                               "请写文件路径或 postgresql+psycopg://用户@主机/库名") from None
        if url.get_backend_name() == "sqlite":
            path = Path(url.database).resolve() if url.database and url.database != ":memory:" else None
            return DatabaseTarget(value, path)
        return DatabaseTarget(value, None)
    path = Path(value).expanduser().resolve()
    return DatabaseTarget(_sqlite_url(path), path)


def _sqlite_url(path: Path) -> URL:
    """Built, not formatted, so that ``?``, ``#`` or ``%`` in a folder name stay part of the path."""
    return URL.create("sqlite", database=str(path))


SERVER_CONNECT_TIMEOUT_S = 10
SERVER_LOCK_TIMEOUT_S = 30
SERVER_IDLE_IN_TRANSACTION_S = 300


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def create_database_engine(target: DatabaseTarget) -> Engine:
    try:
        url = make_url(target.url)
    except ArgumentError:
        raise StorageError(f"数据库地址“{target.url}”无法识别") from None
    if url.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        _install_sqlite_hooks(engine)
        _refuse_nul_characters(engine)
        return engine
    # A pooled connection the server or the network dropped is noticed and replaced before use (pre-ping), so a
    # desk that sat idle over a server restart carries on; a server that does not answer fails in seconds, not minutes.
    # A write waiting behind another desk's lock gives up with a message instead of waiting forever, and a session
    # left inside a transaction (a desk that hung) is ended by the server so its locks do not block the office.
    connect_args: dict[str, object] = {}
    if url.get_backend_name() == "postgresql":
        connect_args = {"connect_timeout": SERVER_CONNECT_TIMEOUT_S,
                        "options": f"-c lock_timeout={SERVER_LOCK_TIMEOUT_S * 1000} "
                                   f"-c idle_in_transaction_session_timeout={SERVER_IDLE_IN_TRANSACTION_S * 1000}"}
    try:
        engine = create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except NoSuchModuleError:
        raise StorageError(f"不支持的数据库类型“{url.drivername}”，请使用 SQLite 文件或 PostgreSQL") from None
    except ModuleNotFoundError as error:
        raise StorageError(f"缺少数据库驱动 {error.name}，"
                           "PostgreSQL 请安装 psycopg：pip install 'zzdesk[postgres]'") from None
    _refuse_nul_characters(engine)
    return engine


NUL_MESSAGE = "输入的文字中含有不可见的空字符（NUL，常见于从其他程序复制来的文字），本次修改未保存；请删除后重试"


def _refuse_nul_characters(engine: Engine) -> None:
    """PostgreSQL cannot store a NUL character in text and SQLite can: refuse it on both, before the statement
    reaches the database, so the same input gets the same answer on every engine."""
    @event.listens_for(engine, "before_cursor_execute")
    def _check(_conn, _cursor, _statement, parameters, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if _holds_nul(parameters):
            raise ValidationError(NUL_MESSAGE)


def _holds_nul(parameters: object) -> bool:
    """Parameters come as a dict, a tuple, or (executemany, multi-row VALUES) a list of either."""
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        return any(_holds_nul(value) for value in parameters.values())
    if isinstance(parameters, list | tuple):
        return any(_holds_nul(value) for value in parameters)
    return False


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        immediate = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
