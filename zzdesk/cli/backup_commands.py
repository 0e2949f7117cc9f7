"""``zzdesk backup`` and ``zzdesk restore FILE``.

``restore`` runs before the database is opened the usual way, because the database it replaces may be too
damaged to open. It still asks for a login (an administrator's, ``Action.RESTORE``) whenever the current database
can be opened; a damaged one cannot be asked, and then the restore is recorded under the name given.
"""

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from zzdesk.cli import login
from zzdesk.domain.errors import StorageError
from zzdesk.domain.permissions import Action
from zzdesk.services import backups, maintenance
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.store.backup import inspect_sqlite
from zzdesk.store.database import open_database
from zzdesk.store.engine import DatabaseTarget, resolve_target


def add_parser(commands) -> None:  # type: ignore[no-untyped-def]
    backup = commands.add_parser("backup", help="备份数据库（使用中也可备份）")
    backup.add_argument("--out", metavar="文件", help="备份文件路径，默认存到数据库旁的 backups 文件夹")
    restore = commands.add_parser(
        "restore", help="从备份文件恢复数据库（先备份当前数据库；须系统管理员登录）",
        description="检查备份文件，先把当前数据库备份（已损坏的则原样移到 backups 文件夹），再用备份替换当前数据库；"
                    "备份来自较早版本时自动升级结构。图形界面打开着该数据库时不能恢复。")
    restore.add_argument("file", metavar="备份文件", help="如 backups 文件夹中的 台账-auto-20251120-090000.sqlite3")


def backup(ctx: ServiceContext, args: argparse.Namespace) -> int:
    path = maintenance.backup(ctx, Path(args.out) if args.out else None)
    print(f"已备份到 {path}")
    return 0


def restore(args: argparse.Namespace, actor: str) -> int:
    target = resolve_target(args.db)
    if target.sqlite_path is None:
        raise StorageError(backups.POSTGRES_RESTORE_NOTE)
    source = Path(args.file)
    backups.check_restorable(source.expanduser().resolve())  # a bad file is refused before anyone types a password
    actor = _restoring_person(args, target, actor)
    result = backups.restore(target, source, actor, datetime.now(UTC))
    print(f"已从“{result.source}”恢复数据库 {result.database}")
    if result.saved_current is not None:
        if result.current_was_damaged:
            print(f"原来已损坏的数据库文件已移到 {result.saved_current}")
        else:
            saved = result.saved_current
            print(f"恢复前的数据库已备份到 {saved}（如需撤销：zzdesk --db \"{result.database}\" restore \"{saved}\"）")
    if result.migrated:
        print("备份来自较早版本的 zzdesk，已升级数据库结构")
    return 0


def _restoring_person(args: argparse.Namespace, target: DatabaseTarget, actor: str) -> str:
    """The logged-in administrator's name, checked against the current database when it can be opened."""
    path = target.sqlite_path
    if path is None or not path.exists() or path.stat().st_size == 0:
        return actor
    try:
        database = open_database(target)
    except StorageError:
        if inspect_sqlite(path).ok:
            raise  # a sound database that cannot be opened now (newer version, locked): do not replace it
        print("当前数据库已损坏，无法核对账号；本次恢复将以“" + actor + "”的名义记入审计日志", file=sys.stderr)
        return actor
    try:
        ctx = login.authorize(ServiceContext(database=database, actor=actor), args)
        authorize(ctx, Action.RESTORE, path.name)
        return ctx.actor
    finally:
        database.close()
