"""Disk full: ``PRAGMA max_page_count`` (the database may not grow) and RLIMIT_FSIZE (no file may grow, in a
subprocess). Each gives a clear Chinese message, writes nothing partial, keeps the database sound, and writing
works again, in the same running program, once there is room."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import integrity, show_figures
from sqlalchemy import event, text
from sqlmodel import select

from conftest import make_context
from zzdesk.domain.errors import StorageError
from zzdesk.domain.vocabulary import Status
from zzdesk.services import plan, updates
from zzdesk.services.context import ServiceContext
from zzdesk.store.backup import inspect_sqlite, list_backups
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, StatusUpdate

WRITER = Path(__file__).with_name("full_disk_writer.py")


def _rows(ctx: ServiceContext) -> tuple[dict[int, str], set[str]]:
    """Every update's text, and the keys of the update audit rows."""
    with read_session(ctx.engine) as session:
        texts = {row.id: row.progress_text for row in session.exec(select(StatusUpdate))}
        keys = {row.entity_key.rsplit("#", 1)[-1]
                for row in session.exec(select(AuditEntry).where(AuditEntry.action == "update.submit"))}
    return texts, keys


def test_a_database_that_may_not_grow_refuses_the_write_clearly_and_recovers(ctx, db_path: Path, capsys):
    with read_session(ctx.engine) as session:
        pages = session.exec(text("PRAGMA page_count")).one()[0]
    room = {"pages": pages + 4}

    @event.listens_for(ctx.engine, "checkout")
    def _cap(dbapi_connection, _record, _proxy) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute(f"PRAGMA max_page_count = {room['pages']}")

    acknowledged: dict[int, str] = {}
    with pytest.raises(StorageError) as refused:
        for count in range(200):
            token = f"第 {count} 期：" + "推进情况" * 800
            acknowledged[updates.log_update(ctx, "1.1", updates.UpdateInput(Status.ON_TRACK, 20, token)).id] = token
    assert "磁盘空间已满" in refused.value.message and "本次修改未保存" in refused.value.message
    texts, audited = _rows(ctx)
    assert {i: texts[i] for i in acknowledged} == acknowledged
    assert set(texts) == set(acknowledged)  # the refused update left nothing behind
    assert {str(i) for i in texts} <= audited
    assert integrity(db_path) == ["ok"]

    room["pages"] = 1_000_000  # space returns; the program keeps running
    view = updates.log_update(ctx, "1.1", updates.UpdateInput(Status.ON_TRACK, 25, "清理磁盘后的报送"))
    texts, audited = _rows(ctx)
    assert texts[view.id] == "清理磁盘后的报送" and str(view.id) in audited
    show_figures(capsys, f"max_page_count: {len(acknowledged)} updates fitted, the next refused with "
                         f"“{refused.value.message}”, then accepted once the limit was lifted")


@pytest.mark.timeout(300)
def test_a_full_file_system_refuses_writes_and_backups_clearly_and_recovers(tmp_path: Path, capsys):
    path = tmp_path / "full.sqlite3"
    database = open_database(resolve_target(str(path)))
    plan.init_database(make_context(database))
    database.close()
    started = time.monotonic()
    finished = subprocess.run([sys.executable, str(WRITER), str(path)], capture_output=True, text=True, timeout=240)
    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout)

    assert result["write_error"] is not None, "the limit was never reached"
    assert "本次修改未保存" in result["write_error"] and "磁盘空间已满" in result["write_error"]
    assert result["manual_backup_error"].startswith("备份失败") and "磁盘空间不足" in result["manual_backup_error"]
    assert "原数据库未受影响" in result["manual_backup_error"]
    assert result["automatic_failed"] and result["automatic_note"].startswith("自动备份失败")
    assert result["left_in_backups"] == []  # no half-written backup under any name
    assert result["wal_after_close"] > 0  # the checkpoint could not write: the updates stayed in the WAL
    assert result["readable_under_limit"] == len(result["acknowledged"]) - 1

    assert integrity(path) == ["ok"]
    database = open_database(resolve_target(str(path)))
    try:
        texts, audited = _rows(make_context(database))
    finally:
        database.close()
    acknowledged = {int(i): token for i, token in result["acknowledged"].items()}
    assert {i: texts.get(i) for i in acknowledged} == acknowledged
    assert {str(i) for i in texts} <= audited
    assert [b.path for b in list_backups(path)] == [Path(result["backup_after"])]
    assert inspect_sqlite(Path(result["backup_after"])).ok
    show_figures(capsys, f"RLIMIT_FSIZE {result['limit']} bytes: {result['written_before_full']} updates written, "
                         f"then “{result['write_error']}”; with the file unable to grow, backup refused with "
                         f"“{result['manual_backup_error']}”, checkpoint at close kept {result['wal_after_close']} "
                         f"bytes of WAL, {result['readable_under_limit']} updates still readable; after the limit "
                         f"was lifted 1 more update and a backup; acknowledged {len(acknowledged)}, lost 0, "
                         f"integrity ok, {time.monotonic() - started:.1f} s")
