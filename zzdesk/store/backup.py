"""Backups of a SQLite database through SQLite's online backup API (never a file copy of a live file).

Also the names of backup files and how to tell a good one, so that the automatic backups and their rotation
(``services/backups.py``), the quick check at open (``database.py``) and ``zzdesk restore`` agree on which file
belongs to which database, when it was taken and whether it can be restored.

A backup is named ``<database>-<reason>-<YYYYmmdd-HHMMSS>[-n].sqlite3`` (local time) in the ``backups`` folder
beside the database. It is written to a ``.part`` file, checked with ``PRAGMA quick_check`` and only then renamed,
so a file with the final name is always complete. Backups use the rollback journal (not WAL), so they can be read
from a read-only folder or medium.
"""

import contextlib
import errno
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from zzdesk.domain.errors import StorageError
from zzdesk.store.file_sync import sync_folder

BACKUP_FOLDER = "backups"
EXTENSION = ".sqlite3"
STAMP_FORMAT = "%Y%m%d-%H%M%S"
PART_SUFFIX = ".part"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 10.0

# Reasons in file names. "before-<revision>" (before a migration) is built from the revision id.
AUTO, MANUAL, BEFORE_RESTORE, BEFORE_IMPORT, DAMAGED = "auto", "manual", "before-restore", "before-import", "damaged"
_REASON = r"auto|manual|before-restore|before-import|damaged|before-\d{4}_[A-Za-z0-9_]+"
_ZZDESK_TABLES = {"alembic_version", "task", "task_group", "department"}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupFile:
    path: Path
    reason: str
    taken_at: datetime  # local time, naive, as in the file name

    @property
    def label(self) -> str:
        """「2025-11-20 09:00」, for messages."""
        return self.taken_at.strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class FileCheck:
    """What a SQLite file holds and whether it is sound; ``problem`` says why not, in Chinese."""

    ok: bool
    problem: str = ""
    revision: str | None = None
    audit_state: tuple[int, str] | None = None  # the audit chain's head: changes since a backup move it


def backup_folder(database: Path) -> Path:
    return database.parent / BACKUP_FOLDER


def backup_prefix(database: Path) -> str:
    """``台账`` for ``台账.sqlite3``; the whole name for other extensions, so ``a.db`` and ``a.sqlite3`` differ."""
    return database.stem if database.suffix == EXTENSION else database.name


def default_backup_path(database: Path, reason: str, now: datetime) -> Path:
    """A new, unused name in the backups folder; ``now`` is shown in local time."""
    local = now.astimezone() if now.tzinfo is not None else now
    base = f"{backup_prefix(database)}-{reason}-{local.strftime(STAMP_FORMAT)}"
    folder = backup_folder(database)
    candidate = folder / f"{base}{EXTENSION}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{base}-{number}{EXTENSION}"
        number += 1
    return candidate


def list_backups(database: Path) -> list[BackupFile]:
    """This database's backups, newest first (other databases' backups in the same folder are left alone)."""
    pattern = re.compile(rf"^{re.escape(backup_prefix(database))}-(?P<reason>{_REASON})-(?P<stamp>\d{{8}}-\d{{6}})"
                         rf"(?:-(?P<n>\d+))?{re.escape(EXTENSION)}$")
    found: list[tuple[datetime, int, BackupFile]] = []
    try:
        entries = list(backup_folder(database).iterdir())
    except OSError:
        return []
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None or not entry.is_file():
            continue
        try:
            taken_at = datetime.strptime(match["stamp"], STAMP_FORMAT)
        except ValueError:
            continue
        found.append((taken_at, int(match["n"] or 1), BackupFile(entry, match["reason"], taken_at)))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [item[2] for item in found]


def newest_good_backup(database: Path) -> BackupFile | None:
    """The newest backup that passes the quick check and is a zzdesk database (damaged files set aside excluded)."""
    for backup in list_backups(database):
        if backup.reason != DAMAGED and inspect_sqlite(backup.path).ok:
            return backup
    return None


def read_only_uri(path: Path) -> str:
    return f"{path.resolve().as_uri()}?mode=ro"


def inspect_sqlite(path: Path, full: bool = False) -> FileCheck:
    """Header, ``quick_check`` (``integrity_check`` when ``full``), schema revision and audit head of a file."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as error:
        return FileCheck(False, f"无法读取文件（{describe_os_error(error)}）")
    if header != SQLITE_HEADER:
        return FileCheck(False, "不是 SQLite 数据库文件，或文件开头已损坏")
    try:
        connection = sqlite3.connect(read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as error:
        return FileCheck(False, f"无法打开（{describe_error(error)}）")
    try:
        pragma = "integrity_check" if full else "quick_check"
        results = [row[0] for row in connection.execute(f"PRAGMA {pragma}")]
        if results != ["ok"]:
            return FileCheck(False, damage_finding(results))
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables >= _ZZDESK_TABLES:
            return FileCheck(False, "不是 zzdesk 数据库（缺少台账数据表）")
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else None
        return FileCheck(True, revision=revision, audit_state=audit_state(connection))
    except sqlite3.Error as error:
        if any(word in str(error).lower() for word in ("locked", "busy")):  # in use, not damaged
            raise StorageError(f"“{path.name}”正被其他程序占用，请稍后重试") from None
        return FileCheck(False, damage_finding(error))
    finally:
        connection.close()


def audit_state(connection: sqlite3.Connection) -> tuple[int, str] | None:
    """The audit chain's head (last id, last hash); every change moves it. None before the chain existed."""
    try:
        row = connection.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # a backup from before the audit chain
        return None
    return (int(row[0]), str(row[1])) if row else (0, "")


def damage_finding(found: list[str] | Exception) -> str:
    """What SQLite's check found, in Chinese; its own (English, technical) words go to the log for maintainers."""
    if isinstance(found, Exception):
        log.warning("SQLite check failed: %s", found)
        if "not a database" in str(found).lower():
            return "文件头已损坏，不是有效的 SQLite 数据库"
        return "SQLite 报告文件结构已损坏"
    lines = [line.strip() for result in found for line in str(result).splitlines()]
    lines = [line for line in lines if line and not line.startswith("***")]
    log.warning("SQLite check found: %s", "; ".join(lines[:20]))
    return f"SQLite 完整性检查发现 {len(lines) or 1} 处问题"


def backup_sqlite(database: Path, destination: Path) -> Path:
    """Copy ``database`` to ``destination`` consistently; the file appears only when complete and checked."""
    if destination.exists():
        raise StorageError(f"备份文件“{destination}”已存在，请换一个文件名")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"无法创建备份文件夹“{destination.parent}”（{describe_os_error(error)}）；"
                           "原数据库未受影响") from None
    partial = destination.with_name(f"{destination.name}.{os.getpid()}{PART_SUFFIX}")
    try:
        source = sqlite3.connect(read_only_uri(database), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            _copy(source, partial)
        finally:
            source.close()
        check = inspect_sqlite(partial)
        if not check.ok:
            raise StorageError(f"备份失败：备份副本未通过检查（{check.problem}），"
                               "原数据库可能已损坏，请运行 zzdesk check")
        partial.replace(destination)
        sync_folder(destination.parent)
    except (sqlite3.Error, OSError) as error:
        _remove_partial(partial)
        raise StorageError(f"备份失败：{describe_error(error)}；原数据库未受影响") from None
    except BaseException:
        _remove_partial(partial)
        raise
    return destination


def _copy(source: sqlite3.Connection, destination: Path) -> None:
    """The backup API into a fresh file, switched to the rollback journal and flushed to disk."""
    target = sqlite3.connect(destination, timeout=BUSY_TIMEOUT_S)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    with destination.open("rb+") as handle:
        os.fsync(handle.fileno())


def _remove_partial(partial: Path) -> None:
    for path in (partial, partial.with_name(partial.name + "-journal")):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def copy_into(source: Path, database: Path) -> None:
    """Replace ``database``'s content with ``source``'s through the backup API.

    ``database`` may be open elsewhere: SQLite takes the write lock and other connections see the new content.
    A missing ``database`` is written under a temporary name and renamed into place, so no half-restored file
    is ever left at its path.
    """
    fresh = not database.exists()
    target_path = database.with_name(f"{database.name}.{os.getpid()}.restoring") if fresh else database
    try:
        origin = sqlite3.connect(read_only_uri(source), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            if fresh:
                _copy(origin, target_path)
                target_path.replace(database)
                sync_folder(database.parent)
            else:
                target = sqlite3.connect(database, timeout=BUSY_TIMEOUT_S)
                try:
                    origin.backup(target)
                finally:
                    target.close()
        finally:
            origin.close()
    except (sqlite3.Error, OSError) as error:
        if fresh:
            _remove_partial(target_path)
        raise StorageError(f"恢复失败：{describe_error(error)}") from None


def set_aside(database: Path, destination: Path) -> Path:
    """Move a damaged database (and its WAL files) out of the way, keeping it for inspection. A rename, not a copy:
    the file is not used any more, and a damaged file may not be readable through SQLite at all."""
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-wal", "-shm"):
            side = database.with_name(database.name + suffix)
            if side.exists():
                if suffix == "-wal":
                    side.replace(destination.with_name(destination.name + suffix))
                else:
                    side.unlink()
        database.replace(destination)
        sync_folder(database.parent)
    except OSError as error:
        raise StorageError(f"无法把损坏的数据库文件移到“{destination.parent}”（{describe_os_error(error)}），"
                           "未作恢复") from None
    return destination


_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}


def describe_os_error(error: OSError) -> str:
    if error.errno in _FULL:
        return "磁盘空间不足"
    if error.errno in _READ_ONLY:
        return "没有写入权限或文件夹是只读的"
    if error.errno == errno.EIO:
        return "磁盘读写出错"
    log.warning("storage error: %s", error)
    return f"系统错误 {errno.errorcode.get(error.errno or 0, error.errno)}，详见日志"


def describe_error(error: Exception) -> str:
    """The cause of a failed copy in words a clerk can act on."""
    if isinstance(error, OSError):
        return describe_os_error(error)
    text = str(error).lower()
    if "full" in text:
        return "磁盘空间不足"
    if "disk i/o error" in text:
        return "写入磁盘失败（可能是磁盘空间不足或磁盘故障）"
    if "readonly" in text or "unable to open" in text:
        return "没有写入权限或文件夹是只读的"
    if "locked" in text or "busy" in text:
        return "数据库正被其他程序占用，请稍后重试"
    if "malformed" in text or "not a database" in text:
        return "数据库文件已损坏"
    log.warning("storage error: %s", error)
    return "意外的存储错误，详见日志"
