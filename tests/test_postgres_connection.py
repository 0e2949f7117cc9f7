"""A shared PostgreSQL database when the connection breaks: the server restarted, the network dropped mid-save, the
server is not there. The user gets a clear message, nothing half-written, and the next try works on a new
connection; the update dialog keeps what the user typed."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import Engine, create_engine, event, text

from conftest import make_context
from postgres_server import PostgresServer
from zzdesk.domain.dates import Deadline
from zzdesk.domain.errors import StorageError
from zzdesk.domain.vocabulary import Cycle, Status
from zzdesk.services import ledger, plan, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

DROPPED = "与数据库服务器的连接已断开，本次修改未保存；请检查网络后重试"


@pytest.fixture
def shared(postgres_server: PostgresServer) -> Iterator[tuple[object, PostgresServer, str]]:
    url = postgres_server.fresh_database()
    database = open_database(resolve_target(url))
    ctx = make_context(database)
    plan.init_database(ctx)
    assign(ctx, "1.1", AssignmentChange(lead="市发展改革委", start=date(2025, 1, 1),
                                        deadline=Deadline(date(2026, 6, 30)), cycle=Cycle.MONTHLY))
    yield ctx, postgres_server, url
    database.close()
    postgres_server.drop(url)


def _terminate_sessions(server: PostgresServer, url: str) -> int:
    """What a server restart or a network cut does to every open connection of the database."""
    from sqlalchemy.engine import make_url

    admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            return len(connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
                {"name": make_url(url).database}).all())
    finally:
        admin.dispose()


@contextmanager
def _connection_cut_during_insert(engine: Engine, server: PostgresServer, url: str) -> Iterator[None]:
    """Cut every connection just before the first INSERT of a status update reaches the server."""
    fired = []

    def cut(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if not fired and statement.lstrip().upper().startswith("INSERT INTO STATUS_UPDATE"):
            fired.append(True)
            _terminate_sessions(server, url)

    event.listen(engine, "before_cursor_execute", cut)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", cut)
    assert fired, "the cut never happened"


def test_idle_connections_dropped_by_the_server_are_replaced_without_a_word(shared):
    ctx, server, url = shared
    ledger.plan_view(ctx)  # the pool now holds a connection
    assert _terminate_sessions(server, url) >= 1

    updates.log_update(ctx, "1.1", UpdateInput(status=Status.ON_TRACK, progress=30, text="服务器重启后照常报送。"))

    assert [u.text for u in updates.history(ctx, "1.1")] == ["服务器重启后照常报送。"]


def test_a_connection_cut_mid_save_gives_a_clear_message_writes_nothing_and_the_retry_works(shared):
    ctx, server, url = shared
    update = UpdateInput(status=Status.ON_TRACK, progress=30, text="网络中断时提交。")

    with _connection_cut_during_insert(ctx.engine, server, url), pytest.raises(StorageError) as refused:
        updates.log_update(ctx, "1.1", update)

    assert str(refused.value) == DROPPED
    assert updates.history(ctx, "1.1") == []
    updates.log_update(ctx, "1.1", update)
    assert [u.text for u in updates.history(ctx, "1.1")] == ["网络中断时提交。"]


def test_a_server_that_is_not_there_is_named_in_chinese():
    with pytest.raises(StorageError, match="无法连接数据库服务器（服务器未启动或网络不通）"):
        open_database(resolve_target("postgresql+psycopg://postgres@127.0.0.1:1/zzdesk"))


def test_a_missing_database_points_to_the_setup_section(postgres_server: PostgresServer):
    with pytest.raises(StorageError, match="服务器上没有名为“zzdesk_no_such_db”的数据库；请 IT 人员按 README"):
        open_database(resolve_target(postgres_server.url("zzdesk_no_such_db")))


def test_the_update_dialog_keeps_the_input_when_the_connection_drops_and_saves_on_retry(shared, qtbot):
    from zzdesk.ui.launch import create_application
    from zzdesk.ui.update_dialog import UpdateDialog
    from zzdesk.ui.worker import DatabaseWorker

    ctx, server, url = shared
    create_application()
    dialog = UpdateDialog(ctx, DatabaseWorker(synchronous=True), ledger.task_view(ctx, "1.1"))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.period.setText("2025-10")
    dialog.status.setCurrentIndex(dialog.status.findText("正常推进"))
    dialog.progress.setValue(45)
    dialog.text.setPlainText("完成主体设计。")
    dialog.problems.setPlainText("用地手续待批。")

    with _connection_cut_during_insert(ctx.engine, server, url):
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)

    assert dialog.isVisible() and dialog.error_label.text() == DROPPED
    assert (dialog.period.text(), dialog.progress.value(), dialog.text.toPlainText(),
            dialog.problems.toPlainText()) == ("2025-10", 45, "完成主体设计。", "用地手续待批。")
    assert updates.history(ctx, "1.1") == []

    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)

    assert [(u.progress, u.text, u.problems) for u in updates.history(ctx, "1.1")] == [
        (45, "完成主体设计。", "用地手续待批。")]


def test_a_save_stuck_behind_another_desks_lock_gives_up_with_a_message(postgres_server: PostgresServer, monkeypatch):
    """Another desk holds the audit chain's head row (a long transaction): the save waits the lock timeout,
    then says so, writes nothing, and works once the other desk is done."""
    from zzdesk.store import engine as engine_module

    monkeypatch.setattr(engine_module, "SERVER_LOCK_TIMEOUT_S", 1)
    url = postgres_server.fresh_database()
    database = open_database(resolve_target(url))
    other = create_engine(url)
    try:
        ctx = make_context(database)
        plan.init_database(ctx)
        assign(ctx, "1.1", AssignmentChange(lead="市发展改革委"))
        update = UpdateInput(status=Status.ON_TRACK, progress=20, text="另一台电脑占用时提交。")
        with other.connect() as holder:
            holder.execute(text("SELECT * FROM audit_head FOR UPDATE"))
            with pytest.raises(StorageError, match="数据库正被其他电脑写入，等待超时，本次修改未保存"):
                updates.log_update(ctx, "1.1", update)
            holder.rollback()
        assert updates.history(ctx, "1.1") == []
        updates.log_update(ctx, "1.1", update)
        assert [u.text for u in updates.history(ctx, "1.1")] == ["另一台电脑占用时提交。"]
    finally:
        other.dispose()
        database.close()
        postgres_server.drop(url)
