"""A read-only folder or file: a clear Chinese message, the database untouched, and it works again once writable.

How the folder is made read-only: for a normal user, by permissions (``chmod``). Tests may run as root, whom
permissions do not stop; then the files and the folder get the immutable attribute (``chattr +i``), which stops
root too. Only when running as root on a file system without that attribute (tmpfs, overlayfs) is there no
honest way, and the test says so and is skipped.
"""

import os
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from reliability_support import integrity, show_figures
from sqlmodel import select

from conftest import make_context
from zzdesk.domain.errors import StorageError
from zzdesk.domain.vocabulary import Status
from zzdesk.services import backups, plan, updates
from zzdesk.store.backup import backup_folder, list_backups
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, StatusUpdate

CRASHING_WRITER = """
import os, sys, time
from zzdesk.domain.vocabulary import Status
from zzdesk.services import updates
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
ctx = ServiceContext(database=open_database(resolve_target(sys.argv[1])), actor="崩溃前的报送")
view = updates.log_update(ctx, "3.1", updates.UpdateInput(Status.ON_TRACK, 50, "崩溃前已确认的报送"))
print(view.id, flush=True)
time.sleep(600)
"""


@contextmanager
def read_only(*paths: Path) -> Iterator[str]:
    """Make ``paths`` (files and folders) read-only for whoever runs the test; yields how."""
    if os.geteuid() != 0:
        modes = {path: stat.S_IMODE(path.stat().st_mode) for path in paths}
        for path in paths:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield "chmod"
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: root ignores permissions, so nothing can be made read-only")
    names = [str(path) for path in paths]
    done = subprocess.run(["chattr", "+i", *names], capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run(["chattr", "-i", *names], capture_output=True)
        pytest.skip(f"running as root on a file system without the immutable attribute ({done.stderr.strip()}): "
                    "root ignores permissions, so nothing can be made read-only here")
    try:
        yield "chattr +i"
    finally:
        subprocess.run(["chattr", "-i", *names], check=True)


def _new_database(folder: Path) -> Path:
    folder.mkdir()
    path = folder / "台账.sqlite3"
    database = open_database(resolve_target(str(path)))
    plan.init_database(make_context(database))
    database.close()
    return path


def test_a_database_in_a_read_only_folder_is_refused_clearly_and_opens_once_writable(tmp_path: Path, capsys):
    path = _new_database(tmp_path / "只读文件夹")
    before = path.read_bytes()
    with read_only(path.parent, path) as how, pytest.raises(StorageError) as refused:
        open_database(resolve_target(str(path)))
    assert "只读" in refused.value.message and str(path.parent) in refused.value.message
    assert path.read_bytes() == before and sorted(p.name for p in path.parent.iterdir()) == [path.name]

    database = open_database(resolve_target(str(path)))
    try:
        view = updates.log_update(make_context(database), "1.2", updates.UpdateInput(Status.ON_TRACK, 10, "恢复写入后"))
    finally:
        database.close()
    assert view.id > 0 and integrity(path) == ["ok"]
    show_figures(capsys, f"read-only folder ({how}): refused at open with “{refused.value.message}”; "
                         "file unchanged; opens and writes once writable")


def test_a_read_only_database_left_by_a_crash_reads_refuses_writes_and_recovers(tmp_path: Path, capsys):
    path = _new_database(tmp_path / "崩溃后只读")
    writer = subprocess.Popen([sys.executable, "-c", CRASHING_WRITER, str(path)], stdout=subprocess.PIPE, text=True)
    acknowledged = int(writer.stdout.readline())
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    writer.stdout.close()
    assert Path(f"{path}-wal").exists()  # the crash left its WAL behind: the acknowledged update lives there

    files = sorted(path.parent.iterdir())
    with read_only(path.parent, *files) as how:
        database = open_database(resolve_target(str(path)))
        ctx = make_context(database)
        with read_session(ctx.engine) as session:
            readable = session.get(StatusUpdate, acknowledged)
            count = len(session.exec(select(StatusUpdate)).all())
        assert readable is not None and readable.progress_text == "崩溃前已确认的报送"
        with pytest.raises(StorageError) as refused:
            updates.log_update(ctx, "3.1", updates.UpdateInput(Status.ON_TRACK, 60, "只读时的报送"))
        assert "只读" in refused.value.message and "本次修改未保存" in refused.value.message
        outcome = backups.backup_if_due(ctx, minutes=0)
        assert outcome.failed and "没有写入权限" in outcome.note
    try:
        view = updates.log_update(ctx, "3.1", updates.UpdateInput(Status.ON_TRACK, 60, "恢复写入后的报送"))
        with read_session(ctx.engine) as session:
            texts = [row.progress_text for row in session.exec(select(StatusUpdate))]
            audited = {row.entity_key for row in session.exec(select(AuditEntry)
                                                              .where(AuditEntry.action == "update.submit"))}
    finally:
        database.close()
    assert "只读时的报送" not in texts and texts.count("恢复写入后的报送") == 1 and len(texts) == count + 1
    assert any(key.endswith(f"#{view.id}") for key in audited)
    assert integrity(path) == ["ok"]
    show_figures(capsys, f"read-only database after a crash ({how}): acknowledged update readable, write refused "
                         f"with “{refused.value.message}”, automatic backup “{outcome.note}”; "
                         "the same program writes once writable; lost 0, partial 0")


def test_a_read_only_backup_folder_refuses_the_backup_clearly_and_leaves_the_database_alone(ctx, db_path: Path):
    folder = backup_folder(db_path)
    folder.mkdir()
    updates.log_update(ctx, "1.1", updates.UpdateInput(Status.ON_TRACK, 10, "备份前的报送"))
    with read_only(folder), pytest.raises(StorageError) as refused:
        backups.backup_now(ctx)
    assert refused.value.message.startswith("备份失败") and "没有写入权限" in refused.value.message
    assert "原数据库未受影响" in refused.value.message
    assert list(folder.iterdir()) == [] and integrity(db_path) == ["ok"]
    updates.log_update(ctx, "1.1", updates.UpdateInput(Status.ON_TRACK, 20, "仍可报送"))
    made = backups.backup_now(ctx).path
    assert made is not None and [b.path for b in list_backups(db_path)] == [made]


def test_the_window_lock_in_a_read_only_folder_says_why(tmp_path: Path):
    path = _new_database(tmp_path / "锁文件")
    with read_only(path.parent), pytest.raises(StorageError) as refused:
        open_database(resolve_target(str(path)), exclusive=True)
    assert "锁文件" in refused.value.message and "只读" in refused.value.message
    database = open_database(resolve_target(str(path)), exclusive=True)
    database.close()
