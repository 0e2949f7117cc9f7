"""保存冲突 in the forms, 申请延期 / 办结 under 概况 and 延期申请 on the 审核 page, offscreen, as people use them."""

import json
from dataclasses import replace
from datetime import date

import pytest
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlmodel import select

from conftest import make_context
from zzdesk.domain.dates import Deadline
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import Light, Status
from zzdesk.services import departments, extensions, ledger, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.extensions import ExtensionState
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry
from zzdesk.ui.app import create_application
from zzdesk.ui.assignment_editor import AssignmentEditor
from zzdesk.ui.conflict_dialog import ConflictDialog
from zzdesk.ui.departments_dialog import DepartmentsDialog
from zzdesk.ui.detail_pane import DetailPane
from zzdesk.ui.extension_dialog import ExtensionDecisionDialog, ExtensionRequestDialog
from zzdesk.ui.review_queue import EXTENSIONS_TAB, ReviewQueue
from zzdesk.ui.worker import DatabaseWorker

LEAD = "市发展改革委"
FIRST = date(2026, 6, 30)


@pytest.fixture
def desks(qtbot, ctx):  # type: ignore[no-untyped-def]
    create_application()
    assign(ctx, "1.1", AssignmentChange(lead=LEAD, leader="张建国（副市长）", deadline=Deadline(FIRST)))
    return make_context(ctx.database, actor="张三"), make_context(ctx.database, actor="李四")


def _answer_conflict(button: str, seen: list[ConflictDialog]) -> None:
    """When the modal 保存冲突 dialog opens, note what it says and press ``button``."""
    def press() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ConflictDialog):
            QTimer.singleShot(10, press)
            return
        seen.append(dialog)
        next(b for b in dialog.buttons.buttons() if b.text() == button).click()

    QTimer.singleShot(0, press)


def _editor(qtbot, ctx) -> AssignmentEditor:  # type: ignore[no-untyped-def]
    editor = AssignmentEditor(ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(editor)
    editor.set_departments([d.name for d in departments.list_departments(ctx)])
    editor.show_task(ledger.task_view(ctx, "1.1"))  # 李四 opens the editor…
    return editor


def _audit(ctx, action: str) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def test_the_conflict_dialog_shows_who_when_and_what(qtbot, desks):
    zhang, li = desks
    editor = _editor(qtbot, li)
    assign(zhang, "1.1", AssignmentChange(leader="王强（副市长）"))  # …张三 saves first
    editor.leader.setText("赵六（副市长）")
    seen: list[ConflictDialog] = []
    _answer_conflict("取消", seen)
    editor.save_button.click()

    dialog = seen[0]
    assert dialog.windowTitle() == "保存冲突"
    assert dialog.intro.text().startswith("张三在您打开表单之后修改并保存了任务 1.1（")
    details = dialog.details.toPlainText()
    for words in ("对方的修改", "责任领导", "张建国（副市长）", "王强（副市长）"):
        assert words in details
    assert sorted(b.text() for b in dialog.buttons.buttons()) == sorted(["重新载入", "保留我的修改", "取消"])
    # 取消: the form keeps what 李四 typed, nothing is saved.
    assert editor.leader.text() == "赵六（副市长）"
    assert "尚未保存" in editor.error.text()
    assert ledger.task_view(li, "1.1").leader == "王强（副市长）"


def test_reload_discards_mine_and_shows_theirs(qtbot, desks):
    zhang, li = desks
    editor = _editor(qtbot, li)
    assign(zhang, "1.1", AssignmentChange(leader="王强（副市长）", co=["市财政局"]))
    editor.leader.setText("赵六（副市长）")
    reloaded: list[str] = []
    editor.saved.connect(reloaded.append)  # the ledger refreshes too
    _answer_conflict("重新载入", [])
    editor.save_button.click()
    assert editor.leader.text() == "王强（副市长）"
    assert editor.co.chosen() == ["市财政局"]
    assert reloaded == ["1.1"]
    assert [row.actor for row in _audit(li, "task.assign")] == ["测试员", "张三"]
    # Saving now goes over 张三's version without a conflict.
    editor.leader.setText("赵六（副市长）")
    editor.save_button.click()
    assert ledger.task_view(li, "1.1").leader == "赵六（副市长）"


def test_keep_mine_overwrites_and_the_audit_says_so(qtbot, desks):
    zhang, li = desks
    editor = _editor(qtbot, li)
    assign(zhang, "1.1", AssignmentChange(leader="王强（副市长）"))
    editor.leader.setText("赵六（副市长）")
    _answer_conflict("保留我的修改", [])
    editor.save_button.click()
    assert ledger.task_view(li, "1.1").leader == "赵六（副市长）"
    row = _audit(li, "task.assign")[-1]
    assert row.actor == "李四"
    assert json.loads(row.changes)["leader"] == ["王强（副市长）", "赵六（副市长）"]
    assert "overwrite" in json.loads(row.changes)


def test_the_departments_dialog_offers_the_same_choice(qtbot, desks):
    zhang, li = desks
    dialog = DepartmentsDialog(li, DatabaseWorker(synchronous=True))
    qtbot.addWidget(dialog)
    dialog.select_name("市财政局")
    departments.set_contact(zhang, "市财政局", "王芳 0371-67180000")
    dialog.contact.setText("李静 0371-60000000")
    seen: list[ConflictDialog] = []
    _answer_conflict("重新载入", seen)
    dialog.save()
    assert "张三" in seen[0].intro.text() and "王芳 0371-67180000" in seen[0].details.toPlainText()
    assert dialog.contact.text() == "王芳 0371-67180000"
    dialog.contact.setText("李静 0371-60000000")
    dialog.save()
    now = next(d for d in departments.list_departments(li) if d.name == "市财政局")
    assert now.contact == "李静 0371-60000000"
    assert "overwrite" not in _audit(li, "department.contact")[-1].changes


# ------------------------------------------------------------------------------------------------ 延期 and 办结

def _pane(qtbot, ctx) -> DetailPane:  # type: ignore[no-untyped-def]
    pane = DetailPane(ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(pane)
    pane.resize(900, 360)
    pane.show()
    pane.show_task(ledger.task_view(ctx, "1.1"))
    return pane


def test_a_liaison_requests_an_extension_from_the_overview(qtbot, desks):
    ctx = desks[0]
    dept = next(d for d in departments.list_departments(ctx) if d.name == LEAD)
    liaison = replace(ctx, actor="李联络", user=CurrentUser("李联络", Role.LIAISON, dept.id, LEAD))
    pane = _pane(qtbot, liaison)
    actions = pane.actions
    assert actions.extend_button.isVisible() and actions.extend_button.isEnabled()
    assert not actions.close_button.isVisible()  # a liaison does not close tasks
    changed: list[str] = []
    pane.changed.connect(changed.append)

    dialog = actions.request_extension()
    assert isinstance(dialog, ExtensionRequestDialog)
    assert "当前完成时限：2026-06-30" in dialog.facts.text()
    dialog.new_deadline.setDate(QDate(2026, 12, 31))
    dialog.submit()  # no reason yet
    assert dialog.error.isVisible() and "延期理由" in dialog.error.text()
    dialog.reason.setPlainText("项目用地手续尚在报批")
    dialog.submit()
    assert changed == ["1.1"]
    request = extensions.extensions_of(ctx, "1.1")[0]
    assert (request.new_deadline, request.reason, request.requested_by) == (date(2026, 12, 31), "项目用地手续尚在报批",
                                                                            "李联络")
    pane.show_task(ledger.task_view(ctx, "1.1"))
    assert "延期申请待审批：申请延至 2026-12-31" in actions.story.text()
    assert not actions.extend_button.isEnabled()  # one pending request per task


def test_the_clerk_approves_on_the_review_page(qtbot, desks):
    zhang, _ = desks
    request = extensions.request_extension(zhang, "1.1", date(2026, 12, 31), "用地报批")
    page = ReviewQueue(zhang, DatabaseWorker(synchronous=True))
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    page.reload()
    assert page.tabs.tabText(EXTENSIONS_TAB) == "延期申请（1）"
    page.tabs.setCurrentIndex(EXTENSIONS_TAB)
    queue = page.extensions
    assert queue.model.data(queue.model.index(0, 4)) == "2026-12-31"
    assert "用地报批" in queue.detail.toPlainText()
    reviewed: list[bool] = []
    page.reviewed.connect(lambda: reviewed.append(True))

    queue.decide(False)
    dialog = queue.dialog
    assert isinstance(dialog, ExtensionDecisionDialog)
    dialog.decide_button.click()  # 驳回 needs a reason
    assert dialog.error.isVisible() and "写明理由" in dialog.error.text()
    dialog.reject()
    queue.decide(True)
    assert "原完成时限将保留" in queue.dialog.intro.text()
    queue.dialog.note.setPlainText("同意")
    queue.dialog.decide_button.click()
    assert reviewed == [True]
    assert "已批准 1.1 延期至 2026-12-31" in queue.message.text()
    assert page.tabs.tabText(EXTENSIONS_TAB) == "延期申请（0）"
    view = ledger.task_view(zhang, "1.1")
    assert (view.deadline, view.original_deadline) == (date(2026, 12, 31), FIRST)
    assert extensions.extensions_of(zhang, "1.1")[0].state is ExtensionState.APPROVED
    assert request.id == extensions.extensions_of(zhang, "1.1")[0].id


def test_the_clerk_closes_after_confirming(qtbot, desks, monkeypatch):
    zhang, _ = desks
    final = updates.log_update(zhang, "1.1", updates.UpdateInput(status=Status.COMPLETED, progress=100, text="完成"))
    updates.review_update(zhang, final.id, accept=True)
    pane = _pane(qtbot, zhang)
    actions = pane.actions
    assert actions.close_button.isVisible() and not actions.reopen_button.isVisible()
    asked: list[str] = []

    def answer(reply):  # type: ignore[no-untyped-def]
        def question(parent, title, text, *rest):  # type: ignore[no-untyped-def]
            asked.append(title)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    actions.close_button.click()
    assert asked == ["确认办结？"] and not ledger.task_view(zhang, "1.1").closed
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    changed: list[str] = []
    pane.changed.connect(changed.append)
    actions.close_button.click()
    view = ledger.task_view(zhang, "1.1")
    assert changed == ["1.1"] and view.closed and view.light is Light.DONE and view.status_label == "已办结"
    pane.show_task(view)
    assert actions.story.text().startswith("已办结（张三，")
    assert actions.reopen_button.isVisible() and not actions.close_button.isVisible()
    assert not actions.extend_button.isVisible()
    assert "已办结" in pane.summary.toPlainText()
