"""Automatic backups, their rotation, and restoring a backup — for SQLite databases.

When a backup is made (each through SQLite's backup API, into the ``backups`` folder beside the database):
- at start: the GUI backs up when the database changed since its newest backup; the CLI does the same but at
  most once per interval (scripts may run it hundreds of times a day);
- while the GUI runs: a timer asks ``backup_if_due`` every few minutes; it backs up when something changed and
  the newest backup is older than the office setting ``backup.interval_minutes`` (default 60 minutes);
- before a migration (``store/database.py``), a restore and an import.
"Changed" is read from the audit chain's head (every change appends an audit row) and the schema revision, in
the live database and in the newest good backup itself, so no bookkeeping table is needed and it works across
processes.

Rotation keeps the automatic backups (and those made before a restore or an import) by ``RETENTION``; manual
backups, backups made before a migration and damaged files set aside are never deleted automatically. The newest
good backup is never deleted, whatever the rules say.

PostgreSQL databases are backed up by their server (``pg_dump``): the functions here say so and do nothing.
"""

import contextlib
import logging
import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

from zzdesk.domain.errors import StorageError
from zzdesk.services import audit, office_settings
from zzdesk.services.context import ServiceContext
from zzdesk.store.backup import (
    AUTO,
    BEFORE_IMPORT,
    BEFORE_RESTORE,
    DAMAGED,
    PART_SUFFIX,
    BackupFile,
    backup_folder,
    backup_sqlite,
    copy_into,
    default_backup_path,
    inspect_sqlite,
    list_backups,
    newest_good_backup,
    set_aside,
)
from zzdesk.store.database import open_database
from zzdesk.store.engine import DatabaseTarget
from zzdesk.store.instance_lock import InstanceLock
from zzdesk.store.session import read_session, write_session

log = logging.getLogger(__name__)

POSTGRES_NOTE = ("PostgreSQL 数据库由数据库服务器备份（管理员用 pg_dump 定期备份、用 pg_restore 恢复），"
                 "zzdesk 不在本机另做备份")
POSTGRES_RESTORE_NOTE = "PostgreSQL 数据库由数据库服务器恢复：请管理员用 pg_restore 从 pg_dump 的备份恢复"
INTERVAL_SETTING = "backup.interval_minutes"
TIMER_MINUTES = 5  # how often the GUI asks backup_if_due; the interval setting decides whether it backs up
STALE_PART_SECONDS = 3600  # a .part file this old was left by a killed process


@dataclass(frozen=True)
class Retention:
    """Which automatic backups rotation keeps: the newest ``recent``, plus the newest of each of the last ``daily``
    days, ``weekly`` ISO weeks and ``monthly`` months that have a backup."""

    recent: int = 10
    daily: int = 7
    weekly: int = 4
    monthly: int = 12


RETENTION = Retention()
ROTATED_REASONS = frozenset({AUTO, BEFORE_RESTORE, BEFORE_IMPORT})


@dataclass(frozen=True)
class BackupOutcome:
    """What an automatic backup did: ``path`` of the new file, or ``note`` saying why there is none."""

    path: Path | None
    note: str
    removed: tuple[Path, ...] = ()
    failed: bool = False


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    database: Path
    saved_current: Path | None  # where the database as it was before the restore was kept
    restored_revision: str | None
    migrated: bool
    current_was_damaged: bool = False  # then ``saved_current`` is the damaged file itself, moved aside


T = TypeVar("T", bound=Hashable)


def _itself(item: Any) -> datetime:
    return item


def _sqlite_path(ctx: ServiceContext) -> Path | None:
    return ctx.database.target.sqlite_path


def _local(moment: datetime) -> datetime:
    """Local wall-clock time without zone: how backup files are named."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo is not None else moment


def interval_minutes(ctx: ServiceContext) -> int:
    """The office setting ``backup.interval_minutes`` (declared with its default in ``office_settings``)."""
    return int(office_settings.current_values(ctx)[INTERVAL_SETTING])


def _current_state(ctx: ServiceContext) -> tuple[str | None, tuple[int, str]]:
    with read_session(ctx.engine) as session:
        revision = session.exec(text("SELECT version_num FROM alembic_version")).first()
        head = session.exec(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    return (revision[0] if revision else None), ((int(head[0]), str(head[1])) if head else (0, ""))


def changed_since(ctx: ServiceContext, backup: BackupFile | None) -> bool:
    """Whether the database differs from ``backup`` (True when there is none)."""
    if backup is None:
        return True
    check = inspect_sqlite(backup.path)
    return not check.ok or (check.revision, check.audit_state) != _current_state(ctx)


def backup_now(ctx: ServiceContext, reason: str = AUTO) -> BackupOutcome:
    """A backup now, then rotation; raises ``StorageError`` when it cannot be written."""
    path = _sqlite_path(ctx)
    if path is None:
        return BackupOutcome(None, POSTGRES_NOTE)
    destination = backup_sqlite(path, default_backup_path(path, reason, ctx.now()))
    removed = rotate(path, _local(ctx.now()))
    return BackupOutcome(destination, f"已备份到 {destination}", tuple(removed))


def backup_at_start(ctx: ServiceContext) -> BackupOutcome:
    """The GUI's backup when a database is opened: whenever it changed since its newest good backup."""
    return _automatic(ctx, lambda newest: True)


def backup_if_due(ctx: ServiceContext, minutes: int | None = None) -> BackupOutcome:
    """A backup when something changed and the newest backup is at least ``minutes`` (the setting) old."""
    if _sqlite_path(ctx) is None:
        return BackupOutcome(None, POSTGRES_NOTE)
    wait = interval_minutes(ctx) if minutes is None else minutes
    now = _local(ctx.now())
    # A backup stamped in the future (the clock was set back) does not hold the next one off.
    return _automatic(ctx, lambda newest: not 0 <= (now - newest.taken_at).total_seconds() < wait * 60)


def _automatic(ctx: ServiceContext, due: Callable[[BackupFile], bool]) -> BackupOutcome:
    """Never raises for storage trouble: a failed automatic backup must not stop the user's work."""
    path = _sqlite_path(ctx)
    if path is None:
        return BackupOutcome(None, POSTGRES_NOTE)
    try:
        latest = next((b for b in list_backups(path) if b.reason != DAMAGED), None)
        if latest is not None and not due(latest):  # decided by the file name alone: cheap on every timer tick
            return BackupOutcome(None, f"距上次备份（{latest.label}）未到备份间隔")
        newest = newest_good_backup(path)
        if not changed_since(ctx, newest):
            return BackupOutcome(None, f"自上次备份（{newest.label}）以来没有修改" if newest else "没有修改")
        return backup_now(ctx, AUTO)
    except StorageError as error:
        log.warning("automatic backup failed: %s", error.message)
        return BackupOutcome(None, f"自动备份失败：{error.message}", failed=True)


def backup_before(ctx: ServiceContext, what: str) -> Path | None:
    """The backup taken before an import (``what="import"``): it must succeed, or the import does not start."""
    path = _sqlite_path(ctx)
    if path is None:
        return None
    reason = {"import": BEFORE_IMPORT, "restore": BEFORE_RESTORE}[what]
    return backup_now(ctx, reason).path


def keep_by_retention(items: Iterable[T], retention: Retention = RETENTION,
                      moment: Callable[[T], datetime] = _itself) -> set[T]:
    """Grandfather-father-son: which of ``items`` (backups, or their times) the rules keep."""
    ordered = sorted(items, key=moment, reverse=True)
    kept = set(ordered[:retention.recent])
    buckets: tuple[tuple[Callable[[datetime], Hashable], int], ...] = (
        (lambda m: m.date(), retention.daily),
        (lambda m: m.isocalendar()[:2], retention.weekly),
        (lambda m: (m.year, m.month), retention.monthly),
    )
    for bucket, count in buckets:
        seen: set[Hashable] = set()
        for item in ordered:
            if len(seen) >= count:
                break
            key = bucket(moment(item))
            if key not in seen:
                seen.add(key)
                kept.add(item)
    return kept


def rotate(database: Path, now: datetime, retention: Retention = RETENTION) -> list[Path]:
    """Delete the automatic backups the rules no longer keep, never the newest good one; returns what went."""
    backups = [b for b in list_backups(database) if b.reason in ROTATED_REASONS and b.taken_at <= now]
    kept = {b.path for b in keep_by_retention(backups, retention, moment=lambda b: b.taken_at)}
    newest_good = newest_good_backup(database)
    if newest_good is not None:
        kept.add(newest_good.path)
    removed = []
    for backup in backups:
        if backup.path not in kept:
            with contextlib.suppress(OSError):
                backup.path.unlink()
                removed.append(backup.path)
    _remove_stale_parts(database)
    return removed


def _remove_stale_parts(database: Path) -> None:
    cutoff = time.time() - STALE_PART_SECONDS
    try:
        parts = [p for p in backup_folder(database).iterdir() if p.name.endswith(PART_SUFFIX)]
    except OSError:
        return
    for part in parts:
        with contextlib.suppress(OSError):
            if part.stat().st_mtime < cutoff:
                part.unlink()


def check_restorable(source: Path) -> str | None:
    """The source's schema revision after checking it is a sound zzdesk database this app can open."""
    if not source.is_file():
        raise StorageError(f"找不到备份文件“{source}”")
    check = inspect_sqlite(source, full=True)
    if not check.ok:
        raise StorageError(f"“{source}”不能用于恢复：{check.problem}")
    if check.revision is None:
        raise StorageError(f"“{source}”不能用于恢复：不是 zzdesk 数据库（没有结构版本）")
    from zzdesk.store import migrations  # Alembic loads only when a backup is restored

    if check.revision not in migrations.known_revisions():
        raise StorageError(f"“{source}”由更新版本的 zzdesk 创建（结构版本 {check.revision}），"
                           "本程序无法恢复它；请升级 zzdesk 后再恢复")
    return check.revision


def restore(target: DatabaseTarget, source: Path, actor: str, now: datetime) -> RestoreResult:
    """Replace the database with a backup: check the backup, keep the current database, copy through the backup
    API, then open (and migrate, if the backup is older) and record who restored what in the audit trail.

    The current database is kept first: a sound one is backed up (``before-restore``); a damaged one, which the
    backup API may not be able to read, is moved into the backups folder as it is (``damaged``). Refused while a
    window has the database open.
    """
    path = target.sqlite_path
    if path is None:
        raise StorageError(POSTGRES_RESTORE_NOTE)
    source = source.expanduser().resolve()
    if source == path.resolve():
        raise StorageError("不能用数据库自己恢复自己：请给出 backups 文件夹中的备份文件")
    revision = check_restorable(source)
    with InstanceLock.acquire(path):
        saved, damaged = _keep_current(path, now)
        copy_into(source, path)
    after = inspect_sqlite(path)
    if not after.ok:
        raise StorageError(f"恢复后的数据库未通过检查（{after.problem}）；原数据库保存在“{saved}”")
    database = open_database(target)
    try:
        ctx = ServiceContext(database=database, actor=actor, now=lambda: now)
        with write_session(database.engine) as session:
            audit.record(session, ctx, "database.restore", "database", path.name,
                         {"source": (None, str(source)), "saved_as": (None, str(saved) if saved else None)})
    finally:
        database.close()
    return RestoreResult(source, path, saved, revision, migrated=database.migrated_from is not None,
                         current_was_damaged=damaged)


def _keep_current(path: Path, now: datetime) -> tuple[Path | None, bool]:
    """Where the current database was kept, and whether it was damaged (moved aside rather than backed up)."""
    if not path.exists() or path.stat().st_size == 0:
        return None, False
    try:
        sound = inspect_sqlite(path).ok
    except OSError:
        sound = False
    if sound:
        try:
            return backup_sqlite(path, default_backup_path(path, BEFORE_RESTORE, now)), False
        except StorageError as error:
            if "损坏" not in error.message:
                raise  # no room or no permission for the backup: do not restore without one
    return set_aside(path, default_backup_path(path, DAMAGED, now)), True


def newest_good(ctx_or_path: ServiceContext | Path) -> BackupFile | None:
    path = ctx_or_path if isinstance(ctx_or_path, Path) else _sqlite_path(ctx_or_path)
    return newest_good_backup(path) if path is not None else None

