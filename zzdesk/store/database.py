"""Opening a database: create or migrate it to the app's schema, refusing what must not be opened.

A database newer than the app is refused; a SQLite file behind the app's schema is backed up
before it is migrated; SQLite on a network share is refused with advice to use PostgreSQL.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import DBAPIError

from zzdesk.domain.errors import StorageError
from zzdesk.store import migrations
from zzdesk.store.backup import backup_sqlite, default_backup_path
from zzdesk.store.engine import DatabaseTarget, create_database_engine
from zzdesk.store.network_share import is_network_path
from zzdesk.store.session import storage_error_from

SQLITE_HEADER = b"SQLite format 3\x00"


@dataclass
class Database:
    target: DatabaseTarget
    engine: Engine
    created: bool
    migrated_from: str | None = None
    pre_migration_backup: Path | None = None

    def close(self) -> None:
        self.engine.dispose()


def open_database(target: DatabaseTarget) -> Database:
    path = target.sqlite_path
    existed = False
    if path is not None:
        existed = _check_sqlite_file(path, create_folder=target.is_default)
    engine = create_database_engine(target)
    try:
        return _bring_to_head(target, engine, existed)
    except DBAPIError as error:
        engine.dispose()
        translated = storage_error_from(error)
        if translated is None:
            raise
        raise translated from error
    except BaseException:
        engine.dispose()
        raise


def _check_sqlite_file(path: Path, create_folder: bool) -> bool:
    """True when the file already exists and looks like SQLite; raises for anything unusable."""
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
    if not path.exists():
        return False
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        raise StorageError(f"无法读取数据库文件“{path}”：{error.strerror}") from None
    if header and header != SQLITE_HEADER:
        raise StorageError(f"“{path}”不是 zzdesk 数据库文件（也不是 SQLite 文件），请检查路径")
    return bool(header)


def _bring_to_head(target: DatabaseTarget, engine: Engine, existed: bool) -> Database:
    head = migrations.head_revision()
    with engine.connect() as connection:
        current = migrations.current_revision(connection)
        tables = set(inspect(connection).get_table_names())
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
