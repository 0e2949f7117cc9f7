"""Backups of a SQLite database through SQLite's online backup API (never a file copy of a live file)."""

import sqlite3
from datetime import datetime
from pathlib import Path

from zzdesk.domain.errors import StorageError


def default_backup_path(database: Path, reason: str, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    return database.parent / "backups" / f"{database.stem}-{reason}-{stamp}.sqlite3"


def backup_sqlite(database: Path, destination: Path) -> Path:
    """Copy ``database`` to ``destination`` consistently; the file appears only when complete."""
    if destination.exists():
        raise StorageError(f"备份文件“{destination}”已存在，请换一个文件名")
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StorageError(f"无法创建备份文件夹“{destination.parent}”：{error.strerror}") from None
    partial = destination.with_name(destination.name + ".part")
    try:
        source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(partial)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        partial.replace(destination)
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise StorageError(f"备份失败：{_describe(error)}；原数据库未受影响") from None
    return destination


def _describe(error: Exception) -> str:
    text = str(error).lower()
    if "full" in text or "no space" in text:
        return "磁盘空间不足"
    if "readonly" in text or "permission" in text or isinstance(error, PermissionError):
        return "没有写入权限"
    return str(error)
