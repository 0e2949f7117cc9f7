"""Units of work: one short transaction each, with storage failures turned into Chinese messages."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session

from zzdesk.domain.errors import ConflictError, StorageError
from zzdesk.store.engine import WRITE_OPTION

_SQLITE_MESSAGES = (
    ("database is locked", "数据库正被其他程序写入，请稍后重试；如持续出现，请关闭其他正在使用该数据库的 zzdesk"),
    ("database or disk is full", "磁盘空间已满，本次修改未保存，已保存的数据不受影响；请清理磁盘后重试"),
    ("disk i/o error", "写入数据库文件失败（可能是磁盘空间已满或磁盘故障），本次修改未保存，已保存的数据不受影响；"
                       "请检查磁盘空间后重试"),
    ("readonly database", "数据库文件或所在文件夹是只读的，本次修改未保存；请检查文件权限，恢复写入权限后即可继续"),
    ("unable to open database", "无法打开数据库文件，请检查路径，以及文件和所在文件夹是否可写"),
    ("file is not a database", "该文件不是 zzdesk 数据库，或已损坏"),
    ("database disk image is malformed", "数据库文件已损坏，本次操作未完成；请用 zzdesk check 检查，"
                                          "用 zzdesk restore 从 backups 文件夹中的备份恢复"),
)


# A PostgreSQL server's refusals at connect time (psycopg's text), for the office's IT staff to act on.
_SERVER_MESSAGES = (
    (re.compile(r'database "([^"]+)" does not exist'),
     "服务器上没有名为“{0}”的数据库；请 IT 人员按 README「多台电脑共用一个数据库（PostgreSQL）」先创建数据库"),
    (re.compile(r'role "([^"]+)" does not exist'), "服务器上没有数据库用户“{0}”；请检查数据库地址中的用户名"),
    (re.compile(r"password authentication failed for user \"?([^\"]+)\"?"),
     "数据库用户“{0}”的密码不正确；请检查数据库地址中的密码"),
    (re.compile(r"no password supplied"), "数据库服务器要求密码；请在数据库地址中写明密码，或使用 PGPASSFILE"),
    (re.compile(r"permission denied for"), "数据库用户没有读写 zzdesk 数据表的权限；请 IT 人员按 README 授权"),
    (re.compile(r"failed to resolve host '([^']+)'"), "找不到数据库服务器“{0}”；请检查服务器名称和网络"),
    (re.compile(r"canceling statement due to lock timeout"),
     "数据库正被其他电脑写入，等待超时，本次修改未保存；请稍后重试"),
    (re.compile(r"connection refused|timeout expired|could not connect", re.IGNORECASE),
     "无法连接数据库服务器（服务器未启动或网络不通），本次操作未完成；请检查网络后重试"),
)


def storage_error_from(error: DBAPIError) -> StorageError | None:
    """A clear message for a storage failure the user can do something about; None for bugs."""
    original = str(error.orig) if error.orig is not None else str(error)
    text = original.lower()
    for needle, message in _SQLITE_MESSAGES:
        if needle in text:
            return StorageError(message)
    for pattern, template in _SERVER_MESSAGES:
        found = pattern.search(original)
        if found:
            return StorageError(template.format(*found.groups()))
    if isinstance(error, OperationalError) and error.connection_invalidated:
        return StorageError("与数据库服务器的连接已断开，本次修改未保存；请检查网络后重试")
    if isinstance(error, OperationalError) and "connection" in text:
        return StorageError("无法连接数据库服务器，请检查网络和数据库地址")
    return None


STALE_MESSAGE = "保存冲突：这条记录刚刚被其他人修改，本次修改未保存；请重新载入后再修改"


# After these, SQLite keeps the file open read-only (or in doubt): drop pooled connections, so the next unit of
# work opens the file afresh and works again as soon as the permission or the disk is back.
_REOPEN_AFTER = ("readonly database", "disk i/o error")


@contextmanager
def _translated(engine: Engine | None = None) -> Iterator[None]:
    try:
        yield
    except StaleDataError as error:  # another desk changed the row between our read and our write (version column)
        raise ConflictError(STALE_MESSAGE) from error
    except DBAPIError as error:
        translated = storage_error_from(error)
        if translated is None:
            raise
        if engine is not None and any(needle in str(error.orig or error).lower() for needle in _REOPEN_AFTER):
            engine.dispose()
        raise translated from error


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """A write transaction (``BEGIN IMMEDIATE`` on SQLite): commits on success, rolls back on any error."""
    with _translated(engine), Session(engine.execution_options(**{WRITE_OPTION: True}),
                                expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with _translated(), Session(engine, expire_on_commit=False) as session, session.begin():
        yield session
