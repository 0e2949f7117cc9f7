"""Automatic backups and their rotation, ``zzdesk restore``, a damaged file at open, and one window per file —
as the clerk meets them: files in the backups folder, what the command line prints, what a dialog offers."""

import dataclasses
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from sqlmodel import select

from conftest import SEED_PLAN, make_context
from zzdesk.cli import main
from zzdesk.domain.errors import StorageError
from zzdesk.domain.vocabulary import Status
from zzdesk.services import backups, maintenance, office_settings, plan, updates
from zzdesk.services.backups import Retention, keep_by_retention
from zzdesk.store import migrations
from zzdesk.store.backup import backup_sqlite, default_backup_path, inspect_sqlite, list_backups
from zzdesk.store.database import DamagedDatabaseError, open_database
from zzdesk.store.engine import DatabaseTarget, create_database_engine, resolve_target
from zzdesk.store.instance_lock import InstanceLock, InstanceLockedError, lock_path
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry

PASSWORD = "Test-pass-2025"
ADMIN = "管理员"
HOLDER = """
import sys, time
from pathlib import Path
from zzdesk.store.instance_lock import InstanceLock
lock = InstanceLock.acquire(Path(sys.argv[1]))
print("holding", flush=True)
time.sleep(600)
"""


def log(ctx, text: str, code: str = "1.1") -> int:
    return updates.log_update(ctx, code, updates.UpdateInput(Status.ON_TRACK, 30, text)).id


def texts(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT progress_text FROM status_update ORDER BY id")]
    finally:
        connection.close()


@pytest.fixture
def clock(ctx):
    """The context's clock, movable: ``clock[0] += timedelta(...)``."""
    now = [datetime(2025, 11, 20, 9, 0, tzinfo=UTC)]
    ctx.now = lambda: now[0]
    return now


# ----------------------------------------------------------------------------------------------- automatic backups

def test_backups_are_made_when_something_changed_and_the_interval_has_passed(ctx, db_path: Path, clock):
    first = backups.backup_if_due(ctx)
    assert first.path is not None and first.path.parent == db_path.parent / "backups"
    assert inspect_sqlite(first.path).ok

    log(ctx, "第一条报送")
    clock[0] += timedelta(minutes=30)
    assert backups.backup_if_due(ctx).path is None  # changed, but the last backup is only 30 minutes old
    clock[0] += timedelta(minutes=31)
    second = backups.backup_if_due(ctx)
    assert second.path is not None and texts(second.path) == ["第一条报送"]

    clock[0] += timedelta(hours=5)
    unchanged = backups.backup_if_due(ctx)
    assert unchanged.path is None and "没有修改" in unchanged.note
    assert [b.path for b in list_backups(db_path)] == [second.path, first.path]


@pytest.mark.sqlite_only("automatic backups are of the SQLite file; a server is backed up with pg_dump")
def test_the_interval_is_an_office_setting(ctx, clock):
    office_settings.set_value(ctx, backups.INTERVAL_SETTING, 10)
    backups.backup_if_due(ctx)
    log(ctx, "十分钟后应已备份")
    clock[0] += timedelta(minutes=11)
    made = backups.backup_if_due(ctx)
    assert made.path is not None and texts(made.path) == ["十分钟后应已备份"]


@pytest.mark.sqlite_only("automatic backups are of the SQLite file; a server is backed up with pg_dump")
def test_the_start_backup_is_made_whenever_the_database_changed_since_the_newest_backup(ctx, clock):
    assert backups.backup_at_start(ctx).path is not None
    assert backups.backup_at_start(ctx).path is None  # nothing changed
    log(ctx, "打开前的修改")
    clock[0] += timedelta(minutes=1)
    assert backups.backup_at_start(ctx).path is not None


def test_a_year_of_hourly_backups_keeps_ten_recent_seven_days_four_weeks_twelve_months():
    end = datetime(2025, 11, 20, 17, 0)
    moments = [end - timedelta(hours=hour) for hour in range(24 * 400)]
    kept = keep_by_retention(moments)
    days = sorted({m.date() for m in moments}, reverse=True)
    weeks = sorted({m.isocalendar()[:2] for m in moments}, reverse=True)
    months = sorted({(m.year, m.month) for m in moments}, reverse=True)
    assert set(sorted(moments, reverse=True)[:10]) <= kept
    for day in days[:7]:  # each of the last seven days: its last backup
        assert max(m for m in moments if m.date() == day) in kept
    for week in weeks[:4]:
        assert max(m for m in moments if m.isocalendar()[:2] == week) in kept
    for month in months[:12]:
        assert max(m for m in moments if (m.year, m.month) == month) in kept
    assert min(kept) >= datetime(2024, 12, 1)  # nothing from before the twelfth month back
    assert len(kept) <= 10 + 7 + 4 + 12


def test_rotation_never_deletes_the_newest_good_backup(ctx, db_path: Path):
    now = datetime(2025, 11, 20, 9, 0)
    good = backup_sqlite(db_path, default_backup_path(db_path, "auto", now - timedelta(days=800)))
    manual = backup_sqlite(db_path, default_backup_path(db_path, "manual", now - timedelta(days=900)))
    migration = backup_sqlite(db_path, default_backup_path(db_path, "before-0005_accounts_audit_chain",
                                                           now - timedelta(days=900)))
    damaged = []
    for days in (1, 2, 3):  # newer files that are no longer sound (a failing disk)
        path = default_backup_path(db_path, "auto", now - timedelta(days=days))
        path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
        damaged.append(path)
    removed = backups.rotate(db_path, now, Retention(recent=1, daily=1, weekly=1, monthly=1))
    assert sorted(removed) == sorted(damaged[1:])
    assert {b.path for b in list_backups(db_path)} == {damaged[0], good, manual, migration}


def test_a_failed_automatic_backup_reports_itself_and_does_not_stop_the_work(ctx, db_path: Path):
    (db_path.parent / "backups").write_text("不是文件夹")  # the backups folder cannot be created
    outcome = backups.backup_if_due(ctx)
    assert outcome.failed and outcome.note.startswith("自动备份失败") and outcome.path is None
    assert log(ctx, "照常报送") > 0


def test_postgresql_backups_are_the_servers_job(ctx, db_path: Path):
    target = DatabaseTarget("postgresql+psycopg://clerk@db.example/zzdesk", None)
    remote = dataclasses.replace(ctx, database=dataclasses.replace(ctx.database, target=target))
    for outcome in (backups.backup_if_due(remote), backups.backup_at_start(remote), backups.backup_now(remote)):
        assert outcome.path is None and "pg_dump" in outcome.note and not outcome.failed
    with pytest.raises(StorageError, match="pg_dump"):
        maintenance.backup(remote)
    with pytest.raises(StorageError, match="pg_restore"):
        backups.restore(target, db_path, "测试员", datetime.now(UTC))
    assert not (db_path.parent / "backups").exists()


def test_a_manual_backup_is_audited_and_check_names_the_newest_good_backup(ctx, db_path: Path):
    path = maintenance.backup(ctx)
    assert "manual" in path.name and inspect_sqlite(path).ok
    with read_session(ctx.engine) as session:
        row = session.exec(select(AuditEntry).where(AuditEntry.action == "database.backup")).one()
    assert str(path) in row.changes
    assert any(path.name in line for line in maintenance.check(ctx).storage)


# ----------------------------------------------------------------------------------------------- restore

@pytest.fixture
def ledger(tmp_path: Path, capsys, monkeypatch) -> Path:
    """A database made by ``zzdesk init`` (administrator 管理员), with a clerk, one update and one backup of it."""
    monkeypatch.setenv("ZZDESK_ADMIN_NAME", ADMIN)
    for name in ("ZZDESK_ADMIN_PASSWORD", "ZZDESK_PASSWORD", "ZZDESK_NEW_PASSWORD"):
        monkeypatch.setenv(name, PASSWORD)
    path = tmp_path / "台账.sqlite3"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    assert run(capsys, "--db", str(path), "--user", ADMIN, "user", "add", "测试员", "--role", "clerk")[0] == 0
    assert run(capsys, "--db", str(path), "update", "1.1", "--status", "正常推进", "--progress", "20",
               "--text", "备份里有的报送")[0] == 0
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_restore_brings_back_the_backup_and_keeps_the_current_database_first(ledger: Path, capsys, tmp_path: Path):
    code, out, err = run(capsys, "--db", str(ledger), "backup", "--out", str(tmp_path / "周五.sqlite3"))
    assert code == 0, err
    run(capsys, "--db", str(ledger), "update", "1.2", "--status", "正常推进", "--progress", "30",
        "--text", "备份之后的报送")
    assert texts(ledger) == ["备份里有的报送", "备份之后的报送"]

    code, out, err = run(capsys, "--db", str(ledger), "restore", str(tmp_path / "周五.sqlite3"))
    assert code == 1 and "系统管理员" in err  # 测试员 (a clerk) may not restore
    assert texts(ledger) == ["备份里有的报送", "备份之后的报送"]

    code, out, err = run(capsys, "--db", str(ledger), "--user", ADMIN, "restore", str(tmp_path / "周五.sqlite3"))
    assert code == 0, err
    assert texts(ledger) == ["备份里有的报送"]
    saved = Path(out.split("恢复前的数据库已备份到 ", 1)[1].split("（", 1)[0])
    assert texts(saved) == ["备份里有的报送", "备份之后的报送"]  # the undo is one more restore away
    assert f'restore "{saved}"' in out
    connection = sqlite3.connect(ledger)
    try:
        actor, changes = connection.execute("SELECT actor, changes FROM audit_entry "
                                            "WHERE action = 'database.restore'").fetchone()
    finally:
        connection.close()
    assert actor == ADMIN and "周五.sqlite3" in changes
    assert run(capsys, "--db", str(ledger), "check")[0] == 0


def test_importing_a_plan_backs_up_first(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("ZZDESK_ADMIN_NAME", ADMIN)
    for name in ("ZZDESK_ADMIN_PASSWORD", "ZZDESK_PASSWORD", "ZZDESK_NEW_PASSWORD"):
        monkeypatch.setenv(name, PASSWORD)
    path = tmp_path / "导入.sqlite3"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    assert run(capsys, "--db", str(path), "--user", ADMIN, "user", "add", "测试员", "--role", "clerk")[0] == 0
    code, _out, err = run(capsys, "--db", str(path), "import-plan", str(SEED_PLAN))
    assert code == 0, err
    before_import = [b for b in list_backups(path) if b.reason == "before-import"]
    assert len(before_import) == 1 and inspect_sqlite(before_import[0].path).ok


@pytest.mark.parametrize("make, words", [
    (lambda folder, db: folder.joinpath("记录.txt").write_text("会议记录", encoding="utf-8"), "不是 SQLite 数据库文件"),
    (lambda folder, db: sqlite3.connect(folder / "别的.sqlite3").execute("CREATE TABLE x (a)"), "不是 zzdesk 数据库"),
])
def test_restore_refuses_a_file_that_is_not_a_zzdesk_database(ledger: Path, capsys, tmp_path: Path, make, words):
    make(tmp_path, ledger)
    candidate = next(p for p in tmp_path.iterdir() if p.name in ("记录.txt", "别的.sqlite3"))
    before = texts(ledger)
    code, _out, err = run(capsys, "--db", str(ledger), "--user", ADMIN, "restore", str(candidate))
    assert code == 1 and words in err and "不能用于恢复" in err
    assert texts(ledger) == before


def test_restore_refuses_a_backup_from_a_newer_zzdesk_and_the_database_itself(ledger: Path, capsys, tmp_path: Path):
    newer = tmp_path / "新版本.sqlite3"
    backup_sqlite(ledger, newer)
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    code, _out, err = run(capsys, "--db", str(ledger), "--user", ADMIN, "restore", str(newer))
    assert code == 1 and "更新版本" in err
    code, _out, err = run(capsys, "--db", str(ledger), "--user", ADMIN, "restore", str(ledger))
    assert code == 1 and "不能用数据库自己恢复自己" in err


def test_restoring_a_backup_from_an_older_version_upgrades_it(ctx, db_path: Path, tmp_path: Path):
    old = tmp_path / "旧版本.sqlite3"
    engine = create_database_engine(resolve_target(str(old)))
    migrations.upgrade(engine, "0001_initial")
    engine.dispose()
    ctx.database.close()
    result = backups.restore(resolve_target(str(db_path)), old, "管理员", datetime.now(UTC))
    assert result.restored_revision == "0001_initial" and result.migrated
    assert inspect_sqlite(db_path).revision == migrations.head_revision()


def test_restore_is_refused_while_a_window_has_the_database_open_and_a_crash_does_not_leave_it_stuck(
        ctx, db_path: Path):
    backup = backups.backup_now(ctx).path
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(db_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(InstanceLockedError) as refused:
            backups.restore(resolve_target(str(db_path)), backup, "管理员", datetime.now(UTC))
        assert f"进程号 {holder.pid}" in refused.value.message and "另一个 zzdesk 窗口" in refused.value.message
    finally:
        holder.kill()  # SIGKILL: the window crashes and cannot clean up
        holder.wait()
        holder.stdout.close()
    assert lock_path(db_path).exists()  # the crashed window's file is still there ...
    backups.restore(resolve_target(str(db_path)), backup, "管理员", datetime.now(UTC))  # ... but holds nothing


# ----------------------------------------------------------------------------------------------- at open

def test_an_emptied_database_with_backups_is_damage_not_a_fresh_start(ctx, db_path: Path):
    log(ctx, "清空前的报送")
    backups.backup_now(ctx)
    ctx.database.close()
    db_path.write_bytes(b"")
    with pytest.raises(DamagedDatabaseError) as caught:
        open_database(resolve_target(str(db_path)))
    assert "0 字节" in caught.value.message and caught.value.backup is not None
    assert db_path.read_bytes() == b""


def test_an_empty_file_without_backups_is_still_a_new_database(tmp_path: Path):
    path = tmp_path / "新建.sqlite3"
    path.write_bytes(b"")
    database = open_database(resolve_target(str(path)))
    database.close()
    assert database.created


def test_one_window_per_database_file(ctx, db_path: Path):
    with InstanceLock.acquire(db_path) as lock:
        assert lock_path(db_path).read_text(encoding="utf-8").startswith("pid=")
        with pytest.raises(InstanceLockedError, match="已在本程序的窗口中打开"):
            open_database(resolve_target(str(db_path)), exclusive=True)
        log(ctx, "命令行在窗口打开时照常写入")  # the command line takes no window lock
    assert not lock.held and not lock_path(db_path).exists()
    database = open_database(resolve_target(str(db_path)), exclusive=True)
    assert database.lock is not None and database.lock.held
    database.close()
    assert not database.lock.held


# ----------------------------------------------------------------------------------------------- the GUI

@pytest.fixture
def controller(qapp, tmp_path: Path):
    from zzdesk.ui.app import WindowController, create_application
    from zzdesk.ui.worker import DatabaseWorker

    create_application()
    settings = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    made = WindowController("测试员", settings, opener=DatabaseWorker(synchronous=True))
    yield made
    made.shutdown()
    if made.window is not None:
        made.window.close()


def _damaged_with_backup(tmp_path: Path) -> tuple[Path, Path]:
    path = tmp_path / "损坏的台账.sqlite3"
    database = open_database(resolve_target(str(path)))
    ctx = make_context(database)
    plan.init_database(ctx)
    log(ctx, "备份里有的报送")
    backup = backups.backup_now(ctx).path
    log(ctx, "备份之后的报送")
    database.close()
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])
    return path, backup


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No])
def test_the_window_offers_the_newest_good_backup_for_a_damaged_database(controller, ctx, tmp_path: Path,
                                                                          monkeypatch, answer):
    first = controller.show(ctx)  # a window on another database (the program's context: no login in tests)
    path, backup = _damaged_with_backup(tmp_path)
    damaged = path.read_bytes()
    asked: list[str] = []
    monkeypatch.setattr("zzdesk.ui.app.QMessageBox.question",
                        lambda parent, title, text, buttons: asked.append(text) or answer)
    controller.open_path(str(path))
    assert len(asked) == 1 and backup.name in asked[0] and "已损坏" in asked[0]
    if answer == QMessageBox.StandardButton.No:
        assert controller.window is first and path.read_bytes() == damaged
        return
    window = controller.window
    assert window is not first and str(path) in window.windowTitle()
    assert texts(path) == ["备份里有的报送"]
    assert any(b.reason == "damaged" and b.path.read_bytes() == damaged for b in list_backups(path))


def test_a_second_window_on_the_same_file_is_refused_naming_who_has_it(controller, ctx, tmp_path: Path,
                                                                      monkeypatch):
    first = controller.show(ctx)
    path = tmp_path / "共用.sqlite3"
    open_database(resolve_target(str(path))).close()
    shown: list[str] = []
    monkeypatch.setattr("zzdesk.ui.app.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        controller.open_path(str(path))
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert controller.window is first
    assert len(shown) == 1 and "已在另一个 zzdesk 窗口中打开" in shown[0] and f"进程号 {holder.pid}" in shown[0]
    controller.open_path(str(path))  # the other window is gone (crashed): this one opens
    assert controller.window is not first and str(path) in controller.window.windowTitle()


def test_the_window_backs_up_at_start_and_on_its_timer(controller, qtbot, tmp_path: Path):
    from zzdesk.ui.app import open_context

    path = tmp_path / "窗口.sqlite3"
    ctx = open_context(str(path), "测试员")
    now = [datetime(2025, 11, 20, 9, 0, tzinfo=UTC)]
    ctx.now = lambda: now[0]
    log(ctx, "窗口打开前的报送")
    window = controller.show(ctx)
    qtbot.waitUntil(lambda: len(list_backups(path)) == 1, timeout=5000)
    assert texts(list_backups(path)[0].path) == ["窗口打开前的报送"]
    assert controller.backup_timer.isActive()

    log(ctx, "窗口里的报送")
    now[0] += timedelta(minutes=61)
    controller.backup_timer.timeout.emit()
    qtbot.waitUntil(lambda: len(list_backups(path)) == 2, timeout=5000)
    assert texts(list_backups(path)[0].path) == ["窗口打开前的报送", "窗口里的报送"]

    for backup in list_backups(path):
        backup.path.unlink()
    (path.parent / "backups").rmdir()
    (path.parent / "backups").write_text("挡住备份文件夹")
    controller.backup_timer.timeout.emit()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("自动备份失败"), timeout=5000)
