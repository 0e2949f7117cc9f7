"""The 审核 page and the 单位名录 dialog, offscreen, as a clerk uses them."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from zzdesk.domain.dates import Period
from zzdesk.domain.vocabulary import DepartmentKind, ReviewState, Status
from zzdesk.services import demo, departments, review_queue, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput
from zzdesk.ui.app import create_application
from zzdesk.ui.departments_dialog import DepartmentsDialog
from zzdesk.ui.review_queue import ReviewQueue
from zzdesk.ui.worker import DatabaseWorker


@pytest.fixture
def demo_ctx(ctx):  # type: ignore[no-untyped-def]
    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def queue(qtbot, demo_ctx) -> ReviewQueue:
    create_application()
    page = ReviewQueue(demo_ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    page.reload()
    return page


def _shown_ids(page: ReviewQueue) -> list[int]:
    return [page.pending_model.row_at(row).id for row in range(page.pending_model.rowCount())]


def _cell(model, row: int, column: int) -> str:  # type: ignore[no-untyped-def]
    return model.data(model.index(row, column))


def _review_state(ctx, code: str, update_id: int):  # type: ignore[no-untyped-def]
    return next(u for u in updates.history(ctx, code) if u.id == update_id)


def test_the_queue_lists_pending_updates_with_the_progress_change(queue, demo_ctx):
    pending = review_queue.pending_updates(demo_ctx)
    assert _shown_ids(queue) == [p.id for p in pending]
    model = queue.pending_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["编号", "举措/任务", "牵头单位", "报送期", "状态", "进度", "报送人", "报送时间"]
    first = pending[0]
    assert [_cell(model, 0, c) for c in range(5)] == [first.code, first.title, first.lead, first.period,
                                                     first.status_label]
    with_previous = next(row for row, p in enumerate(pending) if p.previous_progress is not None)
    item = pending[with_previous]
    assert _cell(model, with_previous, 5) == f"{item.previous_progress}% → {item.progress}%"
    assert queue.count_label.text().startswith(f"待审核 {len(pending)} 条")
    assert queue.tabs.tabText(0) == f"待审核（{len(pending)}）"
    assert queue.selected_pending() == first  # the oldest is ready to review
    detail = queue.pending_detail.toPlainText()
    assert "进展情况" in detail and first.text in detail and "下步打算" in detail and first.next_steps in detail


def test_accept_removes_the_row_selects_the_next_and_records_it(queue, demo_ctx, qtbot):
    before = _shown_ids(queue)
    first, second = queue.pending_model.row_at(0), queue.pending_model.row_at(1)
    with qtbot.waitSignal(queue.reviewed, timeout=2000):
        qtbot.mouseClick(queue.accept_button, Qt.MouseButton.LeftButton)
    assert _shown_ids(queue) == before[1:]
    assert queue.selected_pending() == second
    assert _review_state(demo_ctx, first.code, first.id).review is ReviewState.ACCEPTED
    assert queue.count_label.text().startswith(f"待审核 {len(before) - 1} 条")
    assert first.code in queue.message.text() and "已采纳" in queue.message.text()
    assert second.title in queue.pending_detail.toPlainText()


def test_ctrl_enter_accepts_the_selected_update(queue, demo_ctx, qtbot):
    target = queue.pending_model.row_at(2)
    queue.select_update(target.id)
    queue.activateWindow()
    queue.pending_table.setFocus()
    with qtbot.waitSignal(queue.reviewed, timeout=2000):
        qtbot.keyClick(queue.pending_table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert target.id not in _shown_ids(queue)
    assert _review_state(demo_ctx, target.code, target.id).review is ReviewState.ACCEPTED
    assert "Ctrl+Enter" in queue.accept_button.toolTip() and "Ctrl+Shift+Enter" in queue.return_button.toolTip()


def test_return_with_a_note_moves_it_to_the_returned_list(queue, demo_ctx, qtbot):
    target = queue.pending_model.row_at(0)
    qtbot.mouseClick(queue.return_button, Qt.MouseButton.LeftButton)
    dialog = queue.return_dialog
    assert dialog is not None and dialog.isVisible() and target.code in dialog.intro.text()
    dialog.note.insertPlainText("进展情况过于笼统，请补充新开工项目数量。")  # QTest types only Latin-1
    with qtbot.waitSignal(queue.reviewed, timeout=2000):
        qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    assert target.id not in _shown_ids(queue)
    saved = _review_state(demo_ctx, target.code, target.id)
    assert saved.review is ReviewState.RETURNED and saved.review_note == "进展情况过于笼统，请补充新开工项目数量。"
    model = queue.returned_model
    assert model.rowCount() == 1 and queue.tabs.tabText(1) == "已退回，待重报（1）"
    assert _cell(model, 0, 0) == target.code and _cell(model, 0, 5) == "进展情况过于笼统，请补充新开工项目数量。"
    queue.tabs.setCurrentIndex(1)
    queue.returned_table.selectRow(0)
    assert "退回原因" in queue.returned_detail.toPlainText()
    assert "进展情况过于笼统" in queue.returned_detail.toPlainText()


def test_an_empty_return_reason_is_refused_inline_and_nothing_is_written(queue, demo_ctx, qtbot):
    target = queue.pending_model.row_at(0)
    count = queue.pending_model.rowCount()
    queue.return_selected()
    dialog = queue.return_dialog
    qtbot.keyClicks(dialog.note, "   ")
    qtbot.mouseClick(dialog.return_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    assert dialog.error.isVisible() and "请写明退回原因" in dialog.error.text()
    assert _review_state(demo_ctx, target.code, target.id).review is ReviewState.SUBMITTED
    assert queue.pending_model.rowCount() == count and review_queue.returned_updates(demo_ctx) == []
    dialog.reject()
    assert queue.return_dialog is None and queue.selected_pending() == target


def test_the_department_filter_narrows_both_lists(queue, demo_ctx, qtbot):
    lead = queue.pending_model.row_at(0).lead
    expected = [p.id for p in review_queue.pending_updates(demo_ctx, lead)]
    assert 0 < len(expected) < queue.pending_model.rowCount()
    queue.department.setCurrentIndex(queue.department.findData(lead))
    assert _shown_ids(queue) == expected
    assert {queue.pending_model.row_at(r).lead for r in range(queue.pending_model.rowCount())} == {lead}
    queue.department.setCurrentIndex(0)
    assert len(_shown_ids(queue)) == len(review_queue.pending_updates(demo_ctx))


def test_a_hand_built_change_reads_45_to_60(qtbot, ctx):
    create_application()
    assign(ctx, "1.1", AssignmentChange(lead="市科技局"))
    for period, progress in ((Period(2025, 9), 45), (Period(2025, 10), 60)):
        view = updates.log_update(ctx, "1.1", UpdateInput(status=Status.ON_TRACK, progress=progress,
                                                          text="稳步推进", period=period))
    updates.review_update(ctx, updates.history(ctx, "1.1")[-1].id, accept=True)
    page = ReviewQueue(ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(page)
    page.reload()
    assert page.pending_model.rowCount() == 1 and page.pending_model.row_at(0).id == view.id
    assert _cell(page.pending_model, 0, 5) == "45% → 60%"
    assert "45% → 60%" in page.pending_detail.toPlainText()


# --- 单位名录 ---------------------------------------------------------------------------------------

@pytest.fixture
def dialog(qtbot, ctx) -> DepartmentsDialog:
    create_application()
    assign(ctx, "1.1", AssignmentChange(lead="市科技局", co=["市财政局"]))
    assign(ctx, "1.2", AssignmentChange(lead="市科技局"))
    dlg = DepartmentsDialog(ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(dlg)
    dlg.show()
    return dlg


def _listed(ctx):  # type: ignore[no-untyped-def]
    return {d.name: d for d in departments.list_departments(ctx)}


def _row_texts(dlg: DepartmentsDialog, name: str) -> list[str]:
    for row in range(dlg.model.rowCount()):
        if dlg.model.view_at(row)[0].name == name:
            return [_cell(dlg.model, row, c) for c in range(dlg.model.columnCount())]
    raise AssertionError(f"{name} not shown")


def test_the_dialog_lists_departments_with_their_task_counts(dialog, ctx):
    assert dialog.model.rowCount() == len(departments.list_departments(ctx))
    assert _row_texts(dialog, "市科技局") == ["市科技局", "科技局", "市直部门", "", "启用", "2 / 0"]
    assert _row_texts(dialog, "市财政局")[5] == "0 / 1"


def test_add_a_department(dialog, ctx, qtbot):
    qtbot.mouseClick(dialog.new_button, Qt.MouseButton.LeftButton)
    assert dialog.form_box.title() == "新增单位"
    dialog.name.insert("市数据局")
    dialog.short_name.insert("数据局")
    dialog.kind.setCurrentIndex(dialog.kind.findData(DepartmentKind.OTHER))
    dialog.contact.insert("赵敏 0371-67170000")
    with qtbot.waitSignal(dialog.changed, timeout=2000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    added = _listed(ctx)["市数据局"]
    assert (added.short_name, added.kind, added.contact, added.active) == (
        "数据局", DepartmentKind.OTHER, "赵敏 0371-67170000", True)
    assert _row_texts(dialog, "市数据局")[:5] == ["市数据局", "数据局", "其他", "赵敏 0371-67170000", "启用"]
    assert dialog.message.text() == "已添加“市数据局”" and dialog.form_box.title() == "修改：市数据局"


def test_rename_change_kind_and_contact_of_the_selected_department(dialog, ctx, qtbot):
    dialog.select_name("市科技局")
    assert dialog.name.text() == "市科技局" and dialog.short_name.text() == "科技局"
    dialog.name.setText("市科学技术局")
    dialog.kind.setCurrentIndex(dialog.kind.findData(DepartmentKind.OTHER))
    dialog.contact.setText("王芳 0371-67180000")
    with qtbot.waitSignal(dialog.changed, timeout=2000):
        qtbot.keyClick(dialog.contact, Qt.Key.Key_Return)  # Enter in a field saves
    listed = _listed(ctx)
    assert "市科技局" not in listed
    renamed = listed["市科学技术局"]
    assert (renamed.short_name, renamed.kind, renamed.contact) == ("科技局", DepartmentKind.OTHER, "王芳 0371-67180000")
    assert _row_texts(dialog, "市科学技术局") == [
        "市科学技术局", "科技局", "其他", "王芳 0371-67180000", "启用", "2 / 0"]
    assert dialog.isVisible()  # Enter saved, it did not close the dialog


def test_a_refused_change_is_shown_inline_and_keeps_what_was_typed(dialog, ctx, qtbot):
    dialog.select_name("市科技局")
    dialog.short_name.setText("财政局")
    dialog.contact.setText("王芳")
    with qtbot.assertNotEmitted(dialog.changed):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "简称“财政局”已被“市财政局”使用" in dialog.message.text()
    assert dialog.short_name.text() == "财政局" and dialog.contact.text() == "王芳"
    unchanged = _listed(ctx)["市科技局"]
    assert (unchanged.short_name, unchanged.contact) == ("科技局", "")


def test_deactivating_a_lead_department_warns_how_many_tasks_it_leads(dialog, ctx, qtbot, monkeypatch):
    asked: list[str] = []

    def answer(reply):  # type: ignore[no-untyped-def]
        def question(parent, title, text, *args):  # type: ignore[no-untyped-def]
            asked.append(text)
            return reply
        return question

    dialog.select_name("市科技局")
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert "牵头 2 项任务" in asked[0] and _listed(ctx)["市科技局"].active
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    with qtbot.waitSignal(dialog.changed, timeout=2000):
        qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert not _listed(ctx)["市科技局"].active
    assert _row_texts(dialog, "市科技局")[4] == "停用" and dialog.active_button.text() == "重新启用(&D)"
    assert dialog.message.text() == "已停用“市科技局”"
    with qtbot.waitSignal(dialog.changed, timeout=2000):
        qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert _listed(ctx)["市科技局"].active and len(asked) == 2  # re-enabling asks nothing


def test_deactivating_an_unused_department_asks_nothing(dialog, ctx, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("no warning expected"))
    dialog.select_name("市教育局")
    qtbot.mouseClick(dialog.active_button, Qt.MouseButton.LeftButton)
    assert not _listed(ctx)["市教育局"].active
    assert "市教育局" not in {d.name for d in departments.list_departments(ctx, include_inactive=False)}


def test_search_narrows_the_table(dialog, qtbot):
    dialog.search.insert("科技")
    names = [dialog.model.view_at(r)[0].name for r in range(dialog.model.rowCount())]
    assert names == ["市科技局"]
