"""A locked file: another program holds the write lock longer than the busy timeout. The write is refused with a
clear message, nothing partial is left, and the same program writes as soon as the lock is released."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_support import integrity, show_figures
from sqlmodel import select

from conftest import make_context
from zzdesk.domain.errors import StorageError
from zzdesk.domain.vocabulary import Status
from zzdesk.services import backups, plan, updates
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, StatusUpdate

HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO office_setting (key, value) VALUES ('held', 'by another program')")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("COMMIT")
"""


def test_a_write_lock_held_elsewhere_is_reported_and_the_write_succeeds_once_released(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setattr("zzdesk.store.engine.BUSY_TIMEOUT_MS", 300)  # wait 0.3 s instead of 10 s before giving up
    path = tmp_path / "占用.sqlite3"
    database = open_database(resolve_target(str(path)))
    ctx = make_context(database)
    plan.init_database(ctx)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(StorageError) as refused:
            updates.log_update(ctx, "4.1", updates.UpdateInput(Status.ON_TRACK, 10, "被占用时的报送"))
        waited = time.monotonic() - started
        assert "正被其他程序写入" in refused.value.message and "请稍后重试" in refused.value.message
        made = backups.backup_now(ctx)  # reading (and so backing up) goes on while another program writes
        assert made.path is not None
    finally:
        holder.communicate("\n", timeout=30)
    view = updates.log_update(ctx, "4.1", updates.UpdateInput(Status.ON_TRACK, 10, "释放后的报送"))
    with read_session(ctx.engine) as session:
        texts = [row.progress_text for row in session.exec(select(StatusUpdate))]
        audited = [row.entity_key for row in session.exec(select(AuditEntry)
                                                          .where(AuditEntry.action == "update.submit"))]
    database.close()
    assert texts == ["释放后的报送"] and audited == [f"4.1@{view.period}#{view.id}"]
    assert integrity(path) == ["ok"]
    show_figures(capsys, f"locked file: refused after {waited:.1f} s with “{refused.value.message}”; a backup was "
                         "still made; the write went through once the other program committed")
