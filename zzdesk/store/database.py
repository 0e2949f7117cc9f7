"""Opening a database: check it, then create or migrate it to the app's schema, refusing what must not be opened.

A database newer than the app is refused; a SQLite file behind the app's schema is backed up before it is
migrated; SQLite on a network share is refused with advice to use PostgreSQL. An existing SQLite file gets
``PRAGMA quick_check`` before anything else touches it: a damaged file is not opened (writing to it could spread
the damage), and the error names the newest good backup and how to restore it.

``exclusive=True`` (the GUI) also takes the one-window-per-file lock (``instance_lock.py``) for as long as the
database stays open.
"""

import errno
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from zzdesk.domain.errors import StorageError
from zzdesk.store import schema_head
from zzdesk.store.backup import (
    BUSY_TIMEOUT_S,
    SQLITE_HEADER,
    BackupFile,
    backup_sqlite,
    damage_finding,
    default_backup_path,
    list_backups,
    newest_good_backup,
    read_only_uri,
)
from zzdesk.store.engine import DatabaseTarget, create_database_engine
from zzdesk.store.instance_lock import InstanceLock
from zzdesk.store.network_share import is_network_path
from zzdesk.store.session import storage_error_from

_DAMAGE_WORDS = ("malformed", "not a database", "corrupt")


@dataclass
class Database:
    target: DatabaseTarget
    engine: Engine
    created: bool
    migrated_from: str | None = None
    pre_migration_backup: Path | None = None
    lock: InstanceLock | None = None

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()


class DamagedDatabaseError(StorageError):
    """The file failed the check at open. ``backup`` is the newest good backup, if there is one."""

    def __init__(self, database: Path, detail: str, backup: BackupFile | None) -> None:
        self.database, self.detail, self.backup = database, detail, backup
        text = f"数据库文件“{database}”已损坏（{detail}），为免损坏扩大，没有打开它。"
        if backup is not None:
            text += (f"最新的完好备份是“{backup.path}”（{backup.label}）；恢复请运行：zzdesk --db \"{database}\" "
                     f"restore \"{backup.path}\"（恢复前会先把损坏的文件移到 backups 文件夹保留）")
        else:
            text += (f"在“{database.parent / 'backups'}”中没有找到它的完好备份；如有其他备份文件，"
                     f"可运行 zzdesk --db \"{database}\" restore 备份文件 恢复，或联系系统管理员")
        super().__init__(text)


def open_database(target: DatabaseTarget, exclusive: bool = False) -> Database:
    path = target.sqlite_path
    lock: InstanceLock | None = None
    if path is not None:
        _check_location(path, create_folder=target.is_default)
        if exclusive:
            lock = InstanceLock.acquire(path)
    try:
        existed = _check_sqlite_file(path) if path is not None else False
        engine = create_database_engine(target)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    try:
        database = _bring_to_head(target, engine, existed)
    except DBAPIError as error:
        engine.dispose()
        if lock is not None:
            lock.release()
        raise _open_error(error, path) from error
    except BaseException:
        engine.dispose()
        if lock is not None:
            lock.release()
        raise
    database.lock = lock
    return database


def _check_location(path: Path, create_folder: bool) -> None:
    if is_network_path(path):
        raise StorageError(f"数据库“{path}”位于网络共享文件夹，SQLite 在网络共享上会损坏数据；"
                           "多台电脑共用请改用 PostgreSQL 服务器（见 README“多台电脑共用”）")
    if path.is_dir():
        raise StorageError(f"“{path}”是一个文件夹，请给出数据库文件的路径")
    if not path.parent.is_dir():
        if not create_folder:
            raise StorageError(f"文件夹“{path.parent}”不存在，请先创建或换一个路径")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError(f"无法创建数据文件夹“{path.parent}”：{error.strerror}") from None


def _check_sqlite_file(path: Path) -> bool:
    """True when the file already exists and passes the quick check; raises for anything unusable.

    An empty or headerless file is a new database, unless this database has backups: then it was ours and lost
    its content (a truncated file), which is damage, not a fresh start.
    """
    if not path.exists():
        return False
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError as error:
        raise StorageError(f"无法读取数据库文件“{path}”：{error.strerror}") from None
    if not header:
        if list_backups(path):
            raise _damaged(path, "文件是空的（0 字节），内容已丢失")
        return False
    if not header.startswith(SQLITE_HEADER):
        if list_backups(path):
            raise _damaged(path, "文件开头不是 SQLite 格式")
        raise StorageError(f"“{path}”不是 zzdesk 数据库文件（也不是 SQLite 文件），请检查路径")
    if len(header) < 100:
        raise _damaged(path, "文件被截断，不足一页")
    _quick_check(path)
    return True


def _quick_check(path: Path) -> None:
    """``PRAGMA quick_check`` on a read-only connection, before the engine (which writes pragmas) opens the file."""
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error:
        return  # cannot even open it read-only: the engine below reports why (permissions, a read-only folder)
    try:
        results = [row[0] for row in connection.execute("PRAGMA quick_check")]
    except sqlite3.DatabaseError as error:
        text = str(error).lower()
        if any(word in text for word in _DAMAGE_WORDS):
            raise _damaged(path, damage_finding(error)) from None
        if "locked" in text or "busy" in text:
            raise StorageError(f"数据库“{path}”正被其他程序占用，暂时无法打开，请稍后重试") from None
        return  # not damage (e.g. no permission for the -shm file): the engine below reports it
    finally:
        connection.close()
    if results != ["ok"]:
        raise _damaged(path, damage_finding(results))


def _damaged(path: Path, detail: str) -> DamagedDatabaseError:
    return DamagedDatabaseError(path, detail, newest_good_backup(path))


def _open_error(error: DBAPIError, path: Path | None) -> Exception:
    """A Chinese message for a failure while opening; a read-only folder is named as such."""
    translated = storage_error_from(error)
    if translated is None:
        return error
    text = str(error.orig if error.orig is not None else error).lower()
    if path is not None and ("unable to open" in text or "readonly" in text) and _read_only_folder(path.parent):
        return StorageError(f"数据库所在文件夹“{path.parent}”是只读的（或没有写入权限）：SQLite 需要在数据库旁"
                            "写入日志文件，无法打开。请把数据库复制到可写的文件夹（如“文档”），或请管理员开放写入权限")
    return translated


def _read_only_folder(folder: Path) -> bool:
    """Try to create a file: the only test that also sees read-only mounts and immutable folders."""
    try:
        handle, name = tempfile.mkstemp(prefix=".zzdesk-probe-", dir=folder)
    except OSError as error:
        return error.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
    os.close(handle)
    os.unlink(name)
    return False


def _bring_to_head(target: DatabaseTarget, engine: Engine, existed: bool) -> Database:
    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        current = schema_head.stored_revision(connection, tables)
    if current == schema_head.HEAD_REVISION:  # up to date: Alembic is not even loaded
        return Database(target=target, engine=engine, created=False)
    from zzdesk.store import migrations

    head = migrations.head_revision()
    if current is None and tables - {"alembic_version"}:
        raise StorageError(f"“{target.display_name}”中已有其他程序的数据表，不是 zzdesk 数据库；请换一个文件或空数据库")
    if current is not None and current not in migrations.known_revisions():
        raise StorageError(f"数据库“{target.display_name}”由更新版本的 zzdesk 创建（结构版本 {current}），"
                           "本程序无法安全打开；请升级 zzdesk 后再打开")
    database = Database(target=target, engine=engine, created=current is None)
    if current == head:
        return database
    if current is not None and target.sqlite_path is not None and existed:
        database.pre_migration_backup = backup_sqlite(
            target.sqlite_path, default_backup_path(target.sqlite_path, f"before-{head}", datetime.now(UTC)))
    database.migrated_from = current
    migrations.upgrade(engine)
    return database

