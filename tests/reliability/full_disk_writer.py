"""Run by ``test_disk_full.py`` in its own process: writes until a file-size limit (RLIMIT_FSIZE) stops it.

The process ignores SIGXFSZ (a disk that is full sends no signal), so a write past the limit fails with an error.
1. With room for the database file plus 64 KB, updates are logged until the WAL cannot grow.
2. The limit is lifted and a few more updates are logged (they wait in the WAL).
3. The limit drops to the database file's current size: a checkpoint can no longer grow the file. A manual and an
   automatic backup are tried, the engine is closed (SQLite tries to checkpoint and cannot), and the updates are
   read back from a fresh connection.
4. The limit is lifted and the same context writes and backs up again.
It prints one JSON object.
"""

import json
import resource
import signal
import sys
from pathlib import Path

from sqlalchemy import text

from zzdesk.domain.errors import StorageError
from zzdesk.domain.vocabulary import Status
from zzdesk.services import backups, updates
from zzdesk.services.context import ServiceContext
from zzdesk.store.backup import backup_folder
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session

HEADROOM = 64 * 1024


def _wal_size(database: Path) -> int:
    wal = Path(f"{database}-wal")
    return wal.stat().st_size if wal.exists() else 0


def main() -> None:
    database = Path(sys.argv[1])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    _soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    ctx = ServiceContext(database=open_database(resolve_target(str(database))), actor="磁盘满测试")

    def log(token: str) -> None:
        view = updates.log_update(ctx, "2.1", updates.UpdateInput(Status.ON_TRACK, 30, token))
        acknowledged[view.id] = token

    acknowledged: dict[int, str] = {}
    limit = database.stat().st_size + HEADROOM
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    write_error = None
    for count in range(5000):
        try:
            log(f"full-{count}-" + "进展" * 1500)
        except StorageError as error:
            write_error = error.message
            break
    written_before_full = len(acknowledged)

    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    for count in range(5):
        log(f"waiting-in-wal-{count}-" + "进展" * 1500)
    resource.setrlimit(resource.RLIMIT_FSIZE, (database.stat().st_size, hard))
    manual_error = None
    try:
        backups.backup_now(ctx)
    except StorageError as error:
        manual_error = error.message
    automatic = backups.backup_if_due(ctx, minutes=0)
    folder = backup_folder(database)
    left_in_backups = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    wal_before_close = _wal_size(database)
    ctx.database.engine.dispose()  # the last connection closes: SQLite tries to checkpoint and cannot grow the file
    wal_after_close = _wal_size(database)
    with read_session(ctx.engine) as session:  # a fresh connection, still under the limit
        readable = session.exec(text("SELECT count(*) FROM status_update")).one()[0]

    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))  # space returns
    log("空间恢复后的报送")
    after = backups.backup_now(ctx)
    ctx.database.close()
    print(json.dumps({"limit": limit, "acknowledged": acknowledged, "written_before_full": written_before_full,
                      "write_error": write_error, "manual_backup_error": manual_error,
                      "automatic_failed": automatic.failed, "automatic_note": automatic.note,
                      "left_in_backups": left_in_backups, "wal_before_close": wal_before_close,
                      "wal_after_close": wal_after_close, "readable_under_limit": readable,
                      "backup_after": str(after.path)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
