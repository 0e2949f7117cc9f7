"""The main window, offscreen: the ledger, its filters, the tree, the detail pane, fonts, worker and errors."""

import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QSettings, Qt
from PySide6.QtGui import QFontDatabase

from zzdesk.cli import main
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Light
from zzdesk.fonts import BUNDLED_SANS_FAMILY, bundled_sans_font
from zzdesk.services import demo, ledger
from zzdesk.ui.app import create_application, install_error_handler
from zzdesk.ui.main_window import MainWindow
from zzdesk.ui.worker import DatabaseWorker


@pytest.fixture
def demo_ctx(ctx):
    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def window(qtbot, demo_ctx, tmp_path: Path) -> MainWindow:
    create_application()
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    win = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(win)
    win.show()
    win.reload()
    return win


def _all_tasks(ctx):
    return [t for g in ledger.plan_view(ctx).groups for m in g.measures for t in (m, *m.items)]


def _shown(win: MainWindow):
    return [win.model.task_at(row) for row in range(win.model.rowCount())]


def test_the_ledger_shows_every_measure_and_work_item(window, demo_ctx):
    expected = _all_tasks(demo_ctx)
    assert window.model.total_count() == len(expected) == window.model.rowCount()
    assert [t.code for t in _shown(window)][:3] == ["1.1", "1.2", "1.3"]
    assert window.count_label.text() == f"显示 {len(expected)} 项，共 {len(expected)} 项"
    headers = [window.model.headerData(c, Qt.Orientation.Horizontal) for c in range(window.model.columnCount())]
    assert headers[0] == "编号" and headers[9] == "灯" and headers[10] == "最近报送"


def test_filter_by_department_keeps_exactly_its_rows(window, demo_ctx, qtbot):
    window.filter_bar.department.setEditText("市科技局")
    expected = {t.code for t in _all_tasks(demo_ctx) if t.lead == "市科技局" or "市科技局" in t.co}
    assert expected
    qtbot.waitUntil(lambda: {t.code for t in _shown(window)} == expected, timeout=2000)
    assert window.count_label.text().startswith(f"显示 {len(expected)} 项")


def test_filter_by_light_and_group_from_the_tree(window, demo_ctx):
    red = {t.code for t in _all_tasks(demo_ctx) if t.light is Light.RED}
    window.filter_bar.light.setCurrentIndex(window.filter_bar.light.findData(Light.RED))
    assert {t.code for t in _shown(window)} == red
    window.filter_bar.clear()
    window.tree.select_scope("group", "3")
    codes = [t.code for t in _shown(window)]
    assert codes and all(code.startswith("3.") for code in codes)
    assert len(codes) == len([t for t in _all_tasks(demo_ctx) if t.code.startswith("3.")])


def test_selecting_a_row_shows_its_details(window, demo_ctx):
    window.select_code("2.4")
    text = window.detail.summary.toPlainText()
    task = ledger.task_view(demo_ctx, "2.4")
    assert f"2.4 {task.title}" in text
    from zzdesk.domain.typeset import chinese_punctuation

    assert task.lead in text and "规划原文" in text
    assert "," in task.text and chinese_punctuation(task.text) in text  # stored as published, shown in Chinese


def test_sorting_by_light_puts_red_first(window):
    window.table.sortByColumn(9, Qt.SortOrder.AscendingOrder)
    lights = [t.light for t in _shown(window)]
    assert lights[0] is Light.RED
    assert lights == sorted(lights, key=[Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.NONE].index)


def test_window_state_is_remembered(qtbot, demo_ctx, tmp_path: Path):
    create_application()
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(first)
    first.show()
    first.table.setColumnWidth(1, 333)
    first.close()
    second = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(second)
    assert second.table.columnWidth(1) == 333


def test_the_bundled_font_covers_simplified_chinese(qapp):
    font_id = QFontDatabase.addApplicationFont(str(bundled_sans_font()))
    assert font_id >= 0
    family = QFontDatabase.applicationFontFamilies(font_id)[0]
    assert family == BUNDLED_SANS_FAMILY
    assert QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(family)


def test_the_worker_runs_off_the_gui_thread_and_answers_on_it(qtbot, qapp):
    worker = DatabaseWorker()
    seen: dict[str, object] = {}

    def work() -> str:
        seen["work_thread"] = threading.get_ident()
        return "完成"

    def done(result: str) -> None:
        seen["result"], seen["done_thread"] = result, threading.get_ident()

    worker.run(work, done)
    qtbot.waitUntil(lambda: "result" in seen, timeout=3000)
    assert seen["result"] == "完成"
    assert seen["work_thread"] != threading.get_ident() == seen["done_thread"]

    def refuse() -> None:
        raise ValidationError("进度 120 超出范围")

    worker.run(refuse, lambda _: None, lambda error: seen.__setitem__("error", error.message))
    qtbot.waitUntil(lambda: "error" in seen, timeout=3000)
    assert seen["error"] == "进度 120 超出范围"
    worker.wait()


def test_an_unexpected_error_is_logged_and_shown_calmly(qapp, monkeypatch, tmp_path: Path):
    shown: list[str] = []
    monkeypatch.setattr("zzdesk.ui.app.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    log_path = tmp_path / "zzdesk.log"
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    import logging

    handler = logging.FileHandler(log_path, encoding="utf-8")
    logging.getLogger().addHandler(handler)
    try:
        install_error_handler(log_path)
        try:
            raise KeyError("坏数据")
        except KeyError as error:
            sys.excepthook(type(error), error, error.__traceback__)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert shown and "意外错误（KeyError）" in shown[0] and str(log_path) in shown[0]
    assert "Traceback" not in shown[0]
    assert "KeyError" in log_path.read_text(encoding="utf-8")


def test_snapshot_command_writes_pictures(tmp_path: Path, capsys):
    db = str(tmp_path / "demo.sqlite3")
    assert main(["--db", db, "init", "--demo"]) == 0
    out = tmp_path / "shots"
    assert main(["--db", db, "snapshot", "--out", str(out)]) == 0
    pictures = sorted(p.name for p in out.glob("*.png"))
    assert pictures == sorted(["main-window.png", "detail-assignment.png", "detail-work-items.png",
                               "detail-history.png", "update-dialog.png", "review-queue.png", "dashboard.png",
                               "ledger-filtered.png", "report-dialog.png", "report-preview.png",
                               "report-archive.png"])
    assert all((out / name).stat().st_size > 20_000 for name in pictures)


def test_assigning_from_the_detail_pane_saves_and_shows_it(window, demo_ctx):
    window.select_code("2.1")
    editor = window.detail.assignment
    editor.lead.setEditText("市科技局")
    for i in range(editor.co.list.count()):
        item = editor.co.list.item(i)
        wanted = item.text() in ("市财政局", "市教育局")
        item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
    editor.leader.setText("刘晓燕（副市长）")
    editor.dated.setChecked(True)
    editor.deadline.setDate(QDate(2026, 9, 30))
    editor.save()
    saved = ledger.task_view(demo_ctx, "2.1")
    assert (saved.lead, set(saved.co), saved.leader, saved.deadline_text) == (
        "市科技局", {"市财政局", "市教育局"}, "刘晓燕（副市长）", "2026-09-30")
    assert window.model.task_at(window.model.row_of("2.1")).lead == "市科技局"
    assert "市科技局" in window.detail.summary.toPlainText()


def test_a_refused_assignment_is_explained_in_the_editor_and_nothing_changes(window, demo_ctx):
    window.select_code("2.1")
    before = ledger.task_view(demo_ctx, "2.1")
    editor = window.detail.assignment
    editor.lead.setEditText("不存在的局")
    editor.save()
    assert "不在单位名录中" in editor.error.text()
    assert ledger.task_view(demo_ctx, "2.1") == before


def test_history_tab_lists_the_updates(window, demo_ctx):
    from zzdesk.services import updates

    window.select_code("1.1")
    rows = updates.history(demo_ctx, "1.1")
    text = window.detail.history.toPlainText()
    assert rows and rows[0].period in text and rows[0].text in text
    assert text.index(rows[0].period) < text.index(rows[-1].period)


def test_splitting_a_measure_from_its_text_adds_work_items(window, demo_ctx, monkeypatch):
    from zzdesk.ui import work_items_panel

    accepted = work_items_panel.QDialog.DialogCode.Accepted
    monkeypatch.setattr(work_items_panel.SuggestionsDialog, "exec", lambda self: accepted)
    monkeypatch.setattr(work_items_panel.SuggestionsDialog, "chosen_numbers", lambda self: [1, 2])
    window.select_code("1.3")
    window.detail.work_items.split()
    measure = ledger.task_view(demo_ctx, "1.3")
    assert [item.code for item in measure.items] == ["1.3.1", "1.3.2"]
    assert window.model.row_of("1.3.2") is not None


@pytest.fixture
def controller(qapp, tmp_path: Path):
    """The application's window controller, opening files synchronously."""
    from zzdesk.ui.app import WindowController

    create_application()
    settings = QSettings(str(tmp_path / "app.ini"), QSettings.Format.IniFormat)
    controller = WindowController("测试员", settings, opener=DatabaseWorker(synchronous=True))
    yield controller
    controller.backup_timer.stop()  # a later test must not meet this test's timer firing on its database
    if controller.window is not None:
        controller.window.worker.wait()


@pytest.fixture
def warnings_shown(monkeypatch) -> list[str]:
    shown: list[str] = []
    monkeypatch.setattr("zzdesk.ui.app.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    return shown


def test_opening_another_database_replaces_the_window_and_remembers_it(qtbot, controller, demo_ctx, tmp_path: Path):
    from zzdesk.ui.database_menu import recent_files

    settings = controller.settings
    first = controller.show(demo_ctx)
    other = tmp_path / "另一个台账.sqlite3"
    first.file_menu.create_requested.emit(str(other))
    second = controller.window
    assert second is not first and second is not None
    assert str(other) in second.windowTitle()
    assert other.exists()
    qtbot.waitUntil(lambda: second.model.total_count() == 33, timeout=5000)  # created with the plan, loaded off-thread
    assert recent_files(settings)[0] == str(other)
    controller.shutdown()
    second.close()


def test_an_unusable_file_is_refused_and_the_window_stays(controller, warnings_shown, demo_ctx, tmp_path: Path):
    shown = warnings_shown
    first = controller.show(demo_ctx)
    junk = tmp_path / "notes.sqlite3"
    junk.write_text("不是数据库", encoding="utf-8")
    controller.open_path(str(junk))
    assert controller.window is first
    assert shown and "不是 zzdesk 数据库文件" in shown[0]
    first.close()


def test_the_review_page_accepts_and_the_ledger_follows(window, demo_ctx):
    from zzdesk.domain.vocabulary import ReviewState
    from zzdesk.services import review_queue, updates

    pending = review_queue.pending_updates(demo_ctx)
    assert pending
    window.pages.setCurrentWidget(window.review)
    assert window.review.pending_model.rowCount() == len(pending)
    first = pending[0]
    window.review.pending_table.selectRow(0)
    window.review.accept_button.click()
    assert [u.review for u in updates.history(demo_ctx, first.code) if u.id == first.id] == [ReviewState.ACCEPTED]
    assert window.review.pending_model.rowCount() == len(pending) - 1


def test_double_clicking_in_the_review_page_jumps_to_the_task(window):
    window.pages.setCurrentWidget(window.review)
    window.tree.select_scope("group", "8")
    window.review.task_activated.emit("1.2")
    assert window.pages.currentWidget() is window.main_split
    rows = window.table.selectionModel().selectedRows()
    assert rows and window.model.task_at(rows[0].row()).code == "1.2"


def test_ctrl_n_logs_an_update_for_the_selected_task(window, demo_ctx, tmp_path: Path, monkeypatch):
    from zzdesk.domain.vocabulary import Status
    from zzdesk.services import ledger, updates

    code = next(m.code for g in ledger.plan_view(demo_ctx).groups for m in g.measures
                if m.status is Status.ON_TRACK and not m.items)

    hints: list[str] = []
    monkeypatch.setattr("zzdesk.ui.main_window.QMessageBox.information", lambda parent, title, text: hints.append(text))
    window.table.clearSelection()
    assert window.open_update_dialog() is None
    assert hints == ["请先在台账中选择一项举措或具体任务。"]
    window.select_code(code)
    dialog = window.open_update_dialog()
    assert dialog is not None and code in dialog.heading.text()
    before = len(updates.history(demo_ctx, code))
    dialog.progress.setValue(72)
    dialog.text.insertPlainText("完成中试基地建设方案评审")
    evidence = tmp_path / "会议纪要.txt"
    evidence.write_text("纪要", encoding="utf-8")
    dialog.add_paths([evidence])
    dialog.submit()
    rows = updates.history(demo_ctx, code)
    assert len(rows) == before + 1
    assert (rows[0].progress, rows[0].text) == (72, "完成中试基地建设方案评审")
    assert window.model.task_at(window.model.row_of(code)).progress == 72


def test_the_last_filters_come_back_with_the_window(qtbot, demo_ctx, tmp_path: Path):
    create_application()
    settings = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    first = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(first)
    first.show()
    first.reload()
    first.filter_bar.light.setCurrentIndex(first.filter_bar.light.findData(Light.RED))
    first.filter_bar.overdue.setChecked(True)
    shown_before = {t.code for t in _shown(first)}
    first.close()

    second = MainWindow(demo_ctx, DatabaseWorker(synchronous=True), settings)
    qtbot.addWidget(second)
    second.show()
    second.reload()
    assert second.filter_bar.light.currentText() == "红灯" and second.filter_bar.overdue.isChecked()
    assert {t.code for t in _shown(second)} == shown_before
    assert all(t.light is Light.RED for t in _shown(second))


def test_starting_on_an_unusable_database_shows_why_and_exits(qapp, tmp_path: Path, monkeypatch):
    from zzdesk.ui import app as gui_app

    shown: list[str] = []
    monkeypatch.setattr("zzdesk.ui.app.QMessageBox.critical", lambda parent, title, text: shown.append(text))
    monkeypatch.setattr(gui_app, "setup_file_logging", lambda name: None)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    broken = tmp_path / "台账.sqlite3"
    broken.write_bytes(b"\x00garbage" * 100)
    assert gui_app.run_gui(str(broken), "测试员") == 1
    assert gui_app.run_gui(str(tmp_path / "没有这个文件夹" / "x.sqlite3"), "测试员") == 1
    assert "不是 zzdesk 数据库文件" in shown[0]
    assert "不存在" in shown[1]


def test_the_tree_shows_counts_beside_each_group(window, demo_ctx):
    from zzdesk.domain.light_summary import count_lights

    model = window.tree.model()
    root = model.index(0, 0)
    group_three = model.index(2, 0, root)
    plan = ledger.plan_view(demo_ctx)
    tasks = [t for m in plan.groups[2].measures for t in (m, *m.items)]
    assert group_three.data().startswith("（三）着力推动创新驱动发展")
    assert group_three.siblingAtColumn(1).data() == count_lights(t.light for t in tasks).text()
    window.tree.setCurrentIndex(group_three.siblingAtColumn(1))  # a click on the counts picks the group too
    assert window.tree.current_scope() == ("group", "3")


def test_qt_dialogs_speak_chinese(qapp):
    from PySide6.QtWidgets import QDialogButtonBox

    create_application()
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel | QDialogButtonBox.StandardButton.Save)
    texts = {button.text().replace("&", "") for button in box.buttons()}
    assert any("取消" in text for text in texts) and any("保存" in text for text in texts), texts


def test_a_report_goes_round_the_office(window, demo_ctx, tmp_path: Path):
    """Liaison reports with evidence, the clerk returns it with a note, the corrected one is accepted."""
    from zzdesk.domain.vocabulary import ReviewState
    from zzdesk.services import attachments, updates

    def report(text: str, progress: int, files: list[Path]) -> None:
        window.pages.setCurrentWidget(window.main_split)
        window.select_code("6.2")
        dialog = window.open_update_dialog()
        dialog.progress.setValue(progress)
        dialog.text.insertPlainText(text)
        dialog.add_paths(files)
        dialog.submit()

    evidence = tmp_path / "氢能规划征求意见稿.pdf"
    evidence.write_bytes(b"%PDF-1.4 evidence")
    report("氢能规划已形成征求意见稿", 60, [evidence])
    first = updates.history(demo_ctx, "6.2")[0]
    assert (first.text, first.review) == ("氢能规划已形成征求意见稿", ReviewState.SUBMITTED)
    stored = attachments.list_attachments(demo_ctx, first.id)
    assert [a.original_name for a in stored] == [evidence.name]
    assert attachments.attachment_path(demo_ctx, stored[0].id).read_bytes() == evidence.read_bytes()

    window.pages.setCurrentWidget(window.review)
    queue = window.review
    row = next(r for r in range(queue.pending_model.rowCount()) if queue.pending_model.row_at(r).id == first.id)
    queue.pending_table.selectRow(row)
    queue.return_selected()
    queue.return_dialog.note.insertPlainText("请写明加氢站建设数量")
    queue.return_dialog.return_button.click()
    returned = updates.history(demo_ctx, "6.2")[0]
    assert (returned.review, returned.review_note) == (ReviewState.RETURNED, "请写明加氢站建设数量")
    window.pages.setCurrentWidget(window.main_split)
    window.select_code("6.2")
    window.detail.setCurrentWidget(window.detail.history)
    assert "已退回：请写明加氢站建设数量" in window.detail.history.toPlainText()

    report("氢能规划已形成征求意见稿，新建加氢站3座", 65, [])
    corrected = updates.history(demo_ctx, "6.2")[0]
    window.pages.setCurrentWidget(window.review)
    row = next(r for r in range(queue.pending_model.rowCount()) if queue.pending_model.row_at(r).id == corrected.id)
    queue.pending_table.selectRow(row)
    queue.accept_selected()
    assert updates.history(demo_ctx, "6.2")[0].review is ReviewState.ACCEPTED
    assert window.model.task_at(window.model.row_of("6.2")).progress == 65


def test_a_recent_file_that_has_gone_is_not_recreated(controller, warnings_shown, demo_ctx, tmp_path: Path):
    shown = warnings_shown
    first = controller.show(demo_ctx)
    gone = tmp_path / "已删除.sqlite3"
    first.file_menu.open_requested.emit(str(gone))
    assert controller.window is first and not gone.exists()
    assert shown and "找不到数据库文件" in shown[0]
    first.close()


def test_manage_menu_opens_the_office_settings_and_new_thresholds_relight_the_ledger(window, demo_ctx, monkeypatch):
    from zzdesk.domain.vocabulary import Light
    from zzdesk.ui.office_settings_dialog import OfficeSettingsDialog

    def accept_wider_window(dialog: OfficeSettingsDialog) -> int:
        dialog.fields["light.due_soon_days"].setValue(365)
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(OfficeSettingsDialog, "exec", accept_wider_window)
    actions = [a.text() for a in window.menuBar().actions()]
    manage = window.menuBar().actions()[actions.index("管理(&M)")].menu()
    assert "全局设置(&S)…" in [a.text() for a in manage.actions()]
    greens_before = sum(1 for row in range(window.model.rowCount())
                        if window.model.task_at(row).light is Light.GREEN)
    window.settings_action.trigger()
    greens_after = sum(1 for row in range(window.model.rowCount()) if window.model.task_at(row).light is Light.GREEN)
    assert greens_before > 0 and greens_after < greens_before


def test_an_error_arriving_after_the_window_closed_opens_no_dialog(window, monkeypatch):
    """A background job that fails after its window was closed (its database gone with it) must not block the
    application with a message box nobody sees; while the window is open, the same error is shown."""
    from zzdesk.domain.errors import StorageError

    shown: list[str] = []
    monkeypatch.setattr("zzdesk.ui.main_window.QMessageBox.warning", lambda parent, title, text: shown.append(text))
    window.show_error(StorageError("与数据库服务器的连接已断开"))
    window.close()
    window.show_error(StorageError("关闭后才到的错误"))
    assert shown == ["与数据库服务器的连接已断开"]
