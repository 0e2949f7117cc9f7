"""管理 → 审计日志…: the viewer's table, filters, paging, integrity check and export, offscreen."""

import csv
import dataclasses
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings
from PySide6.QtWidgets import QDialog

from conftest import make_context
from zzdesk.domain.dates import Deadline
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import Status
from zzdesk.services import assignments, audit_log, departments, updates
from zzdesk.services.audit_log import AuditFilter
from zzdesk.services.context import ServiceContext
from zzdesk.ui import audit_viewer
from zzdesk.ui.audit_viewer import AuditViewerDialog
from zzdesk.ui.launch import create_application
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker

HEADERS = ["时间", "操作人", "操作", "对象", "变更内容", "结果"]


@pytest.fixture
def trail(ctx: ServiceContext) -> ServiceContext:
    """Three days of work by two people."""
    for day, code, actor in ((18, "1.1", "张三"), (19, "1.2", "李四"), (20, "1.3", "张三")):
        on = dataclasses.replace(make_context(ctx.database, date(2025, 11, day)), actor=actor)
        change = assignments.AssignmentChange(lead="市财政局", deadline=Deadline(date(2026, 6, 30)))
        assignments.assign(on, code, change)
        view = updates.log_update(on, code, updates.UpdateInput(status=Status.ON_TRACK, progress=30, text="推进中"))
        updates.review_update(on, view.id, accept=True)
    departments.set_contact(ctx, "市发展改革委", "王芳")
    return ctx


def _dialog(qtbot, ctx: ServiceContext, page_size: int = 5) -> AuditViewerDialog:  # type: ignore[no-untyped-def]
    create_application()
    dialog = AuditViewerDialog(ctx, DatabaseWorker(synchronous=True), page_size=page_size)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _cells(dialog: AuditViewerDialog, row: int) -> list[str]:
    return [dialog.model.index(row, column).data() for column in range(dialog.model.columnCount())]


def _shown_ids(dialog: AuditViewerDialog) -> list[int]:
    return [dialog.model.row_at(row).id for row in range(dialog.model.rowCount())]


def test_table_shows_the_newest_page_in_chinese(qtbot, trail: ServiceContext):
    dialog = _dialog(qtbot, trail)
    assert [dialog.model.headerData(c, audit_viewer.Qt.Orientation.Horizontal) for c in range(6)] == HEADERS
    total = audit_log.count_entries(trail)
    assert dialog.page_label.text() == f"第 1–5 条，共 {total} 条"
    assert _shown_ids(dialog) == list(range(total, total - 5, -1))
    newest = audit_log.audit_entries(trail, limit=1)[0]
    assert _cells(dialog, 0) == [newest.local_time(), "测试员", "修改联络人", "单位 市发展改革委",
                                 "联络人：（空） → 王芳", "成功"]
    review = next(row for row in range(5) if _cells(dialog, row)[2] == "审核进展报送")
    assert _cells(dialog, review)[4] == "审核：待审核 → 已采纳"
    assert not dialog.previous_button.isEnabled() and dialog.next_button.isEnabled()

    dialog.next_button.click()
    assert _shown_ids(dialog) == list(range(total - 5, total - 10, -1))
    assert dialog.page_label.text() == f"第 6–10 条，共 {total} 条"
    dialog.previous_button.click()
    assert _shown_ids(dialog)[0] == total


def test_filters_narrow_the_list(qtbot, trail: ServiceContext):
    dialog = _dialog(qtbot, trail, page_size=100)
    assert {"张三", "李四", "测试员"} <= {dialog.user.itemText(i) for i in range(dialog.user.count())}

    dialog.user.setEditText("李四")
    dialog.search_button.click()
    assert {_cells(dialog, r)[1] for r in range(dialog.model.rowCount())} == {"李四"}
    assert dialog.model.rowCount() == audit_log.count_entries(trail, AuditFilter(user="李四")) == 3

    dialog.clear_filters()
    dialog.item.setText("1.3")
    dialog.search_button.click()
    assert _shown_ids(dialog) == [v.id for v in audit_log.audit_entries(trail, AuditFilter(item="1.3"))]
    assert all(" 1.3" in _cells(dialog, r)[3] for r in range(dialog.model.rowCount()))

    dialog.clear_filters()
    dialog.department.setCurrentIndex(dialog.department.findText("市发展改革委"))
    dialog.search_button.click()
    assert [_cells(dialog, r)[2] for r in range(dialog.model.rowCount())] == ["修改联络人"]

    dialog.clear_filters()
    dialog.since.setDate(QDate(2025, 11, 19))
    dialog.until.setDate(QDate(2025, 11, 19))
    dialog.search_button.click()
    expected = audit_log.audit_entries(trail, AuditFilter(since=date(2025, 11, 19), until=date(2025, 11, 19)))
    assert _shown_ids(dialog) == [v.id for v in expected] != []

    dialog.clear_filters()
    dialog.action_box.setCurrentIndex(dialog.action_box.findText("分工"))
    dialog.search_button.click()
    assert {_cells(dialog, r)[2] for r in range(dialog.model.rowCount())} == {"分工"}
    assert dialog.model.rowCount() == 3

    dialog.clear_filters()
    dialog.item.setText("第一项")
    dialog.search_button.click()
    assert dialog.model.rowCount() == 0 and "编号" in dialog.message_text()


def test_integrity_check_reports_a_deleted_row(qtbot, trail: ServiceContext, db_path: Path):
    dialog = _dialog(qtbot, trail)
    dialog.verify_button.click()
    assert dialog.message_text() == f"审计记录完整：共 {audit_log.count_entries(trail)} 条，校验通过。"

    connection = sqlite3.connect(db_path)
    try:
        triggers = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("DELETE FROM audit_entry WHERE id = 4")
        for _, sql in triggers:
            connection.execute(sql)
        connection.commit()
    finally:
        connection.close()
    dialog.verify_button.click()
    assert dialog.message_text().startswith("校验未通过：第 5 条审计记录与上一条接不上")
    assert "c0392b" in dialog.message.styleSheet()
    assert dialog.verify_button.isEnabled()


def test_export_writes_the_filtered_rows(qtbot, trail: ServiceContext, tmp_path: Path, monkeypatch):
    dialog = _dialog(qtbot, trail)
    dialog.user.setEditText("张三")
    dialog.search_button.click()
    chosen = tmp_path / "张三的操作"
    monkeypatch.setattr(audit_viewer.QFileDialog, "getSaveFileName",
                        lambda *args: (str(chosen), "CSV 文件 (*.csv)"))
    dialog.export_button.click()
    path = chosen.with_name("张三的操作.csv")
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert [r[2] for r in rows[1:]] == ["张三"] * audit_log.count_entries(trail, AuditFilter(user="张三")) != []
    assert dialog.message_text() == f"已导出 {len(rows) - 1} 条审计记录到 {path}"


def test_people_who_may_not_read_the_trail_see_why(qtbot, trail: ServiceContext):
    leader = dataclasses.replace(trail, actor="王领导", user=CurrentUser("王领导", Role.LEADER))
    dialog = _dialog(qtbot, leader)
    assert dialog.model.rowCount() == 0
    assert "无权查看审计日志" in dialog.message_text()


def test_manage_menu_opens_the_viewer(qtbot, trail: ServiceContext, tmp_path: Path):
    create_application()
    window = MainWindow(trail, DatabaseWorker(synchronous=True),
                        QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.show()
    manage = next(a.menu() for a in window.menuBar().actions() if a.text() == "管理(&M)")
    entry = next(a for a in manage.actions() if a.text() == "审计日志(&A)…")
    entry.trigger()
    opened = window.findChildren(QDialog)
    viewer = next(d for d in opened if isinstance(d, AuditViewerDialog))
    assert viewer.isVisible() and viewer.windowTitle() == "审计日志"
    assert viewer.model.rowCount() > 0
    viewer.close()
