"""修改… in the 进展记录 tab: correcting an update while it awaits review, offscreen."""

from dataclasses import replace
from datetime import date

import pytest

from zzdesk.domain.dates import Deadline, parse_period
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import Cycle, Status
from zzdesk.services import departments, ledger, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput
from zzdesk.ui import conflict_dialog
from zzdesk.ui.app import create_application
from zzdesk.ui.conflict_dialog import ConflictChoice
from zzdesk.ui.detail_pane import DetailPane
from zzdesk.ui.update_dialog import UpdateDialog
from zzdesk.ui.worker import DatabaseWorker

CODE = "1.1"
LEAD = "市发展改革委"


@pytest.fixture
def reported(ctx):
    """1.1 with an accepted September report and a pending October one (newest first in the history)."""
    assign(ctx, CODE, AssignmentChange(lead=LEAD, leader="张三（副市长）", start=date(2025, 1, 1),
                                       deadline=Deadline(date(2026, 6, 30)), cycle=Cycle.MONTHLY, due_day=25))
    september = UpdateInput(status=Status.ON_TRACK, progress=30, text="完成项目梳理。",
                            period=parse_period("2025-09"))
    accepted = updates.log_update(ctx, CODE, september)
    updates.review_update(ctx, accepted.id, accept=True)
    updates.log_update(ctx, CODE, UpdateInput(status=Status.ON_TRACK, progress=40, text="召开推进会。",
                                              problems="用地指标紧张。", next_steps="加快报批。"))
    return ctx


@pytest.fixture
def opened(monkeypatch):
    """The edit dialog is modal; keep it open without blocking and hand it to the test."""
    dialogs: list[UpdateDialog] = []
    monkeypatch.setattr(UpdateDialog, "exec", lambda self: dialogs.append(self) or self.show() or 0)
    return dialogs


def _pane(qtbot, ctx) -> DetailPane:  # type: ignore[no-untyped-def]
    create_application()
    pane = DetailPane(ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(pane)
    pane.resize(900, 420)
    pane.show()
    pane.show_task(ledger.task_view(ctx, CODE))
    pane.setCurrentWidget(pane.history)
    return pane


def _select(pane: DetailPane, period: str) -> None:
    history = pane.history
    index = next(i for i in range(history.choice.count()) if history.choice.itemText(i).startswith(period))
    history.choice.setCurrentIndex(index)


def test_only_a_pending_update_can_be_edited(qtbot, reported):
    pane = _pane(qtbot, reported)
    history = pane.history
    assert [history.choice.itemText(i).split("　")[0] for i in range(history.choice.count())] == ["2025-10", "2025-09"]
    _select(pane, "2025-10")
    assert "待审核" in history.choice.currentText() and history.edit_button.isEnabled()
    _select(pane, "2025-09")
    assert "已采纳" in history.choice.currentText() and not history.edit_button.isEnabled()


def test_who_may_edit_follows_the_permission_rules(qtbot, reported):
    lead = next(d for d in departments.list_departments(reported) if d.name == LEAD)
    other = next(d for d in departments.list_departments(reported) if d.name != LEAD)
    cases = [(CurrentUser("刘督查", Role.CLERK), True), (CurrentUser("王领导", Role.LEADER), False),
             (CurrentUser("李联络", Role.LIAISON, lead.id, lead.name), True),
             (CurrentUser("赵联络", Role.LIAISON, other.id, other.name), False)]
    for user, may in cases:
        pane = _pane(qtbot, replace(reported, user=user, actor=user.name))
        _select(pane, "2025-10")
        assert pane.history.edit_button.isEnabled() is may, user


def test_editing_saves_the_new_text_and_progress(qtbot, reported, opened):
    pane = _pane(qtbot, reported)
    changed: list[str] = []
    pane.changed.connect(changed.append)
    _select(pane, "2025-10")
    pane.history.edit_button.click()
    (dialog,) = opened
    assert dialog.windowTitle() == "修改报送 — 1.1"
    assert (dialog.period.text(), dialog.status.currentText(), dialog.progress.value()) == ("2025-10", "正常推进", 40)
    assert dialog.text.toPlainText() == "召开推进会。" and dialog.problems.toPlainText() == "用地指标紧张。"
    assert dialog.next_steps.toPlainText() == "加快报批。"
    assert dialog.period.isReadOnly() and dialog.period_hint.text() == "报送期不能修改"
    assert not dialog.file_list.isVisible() and not dialog.add_file_button.isVisible()
    assert dialog.file_hint.text() == "佐证材料不能在此修改。"

    dialog.text.clear()
    dialog.text.setFocus()
    dialog.text.insertPlainText("召开全市推进会，新开工项目 36 个。")
    dialog.progress.setValue(55)
    dialog.submit_button.click()

    assert not dialog.isVisible()
    october, september = updates.history(reported, CODE)
    assert (october.period, october.progress, october.text) == ("2025-10", 55, "召开全市推进会，新开工项目 36 个。")
    assert october.problems == "用地指标紧张。" and october.review.value == "submitted"
    assert (september.progress, september.text) == (30, "完成项目梳理。")
    assert "召开全市推进会，新开工项目 36 个。" in pane.history.toPlainText()
    assert "55%" in pane.history.choice.currentText() and changed == [CODE]


@pytest.mark.parametrize(("status", "text", "message"), [
    ("正常推进", "", "进展情况不能为空，请写明本期做了什么"),
    ("已完成", "主体工程完工。", "状态为“已完成”时进度应为 100，当前填写的是 40"),
])
def test_a_refused_edit_is_shown_inline_and_changes_nothing(qtbot, reported, opened, status, text, message):
    before = updates.history(reported, CODE)
    pane = _pane(qtbot, reported)
    _select(pane, "2025-10")
    pane.history.edit_button.click()
    (dialog,) = opened
    dialog.progress.setValue(120)  # the field stops at 100 — a progress over 100 cannot be entered
    assert dialog.progress.value() == 100
    dialog.progress.setValue(40)
    dialog.status.setCurrentIndex(dialog.status.findText(status))
    dialog.text.setPlainText(text)
    dialog.submit_button.click()
    assert dialog.isVisible() and dialog.error_label.isVisible() and dialog.error_label.text() == message
    assert dialog.text.toPlainText() == text and dialog.submit_button.isEnabled()
    assert updates.history(reported, CODE) == before


def test_an_edit_after_someone_elses_save_shows_the_conflict(qtbot, reported, opened, monkeypatch):
    pane = _pane(qtbot, reported)
    _select(pane, "2025-10")
    pane.history.edit_button.click()
    (dialog,) = opened
    pending = updates.history(reported, CODE)[0]
    colleague = replace(reported, actor="王同事")
    updates.edit_update(colleague, pending.id, UpdateInput(status=Status.ON_TRACK, progress=45, text="同事改过。"))
    asked: list[str] = []

    def ask(parent, error):  # type: ignore[no-untyped-def]
        asked.append(error.changed_by)
        return ConflictChoice.RELOAD

    monkeypatch.setattr(conflict_dialog, "ask", ask)
    dialog.text.setPlainText("我的修改。")
    dialog.submit_button.click()
    assert asked == ["王同事"]
    assert dialog.isVisible() and dialog.text.toPlainText() == "同事改过。" and dialog.progress.value() == 45
    assert updates.history(reported, CODE)[0].text == "同事改过。"
    dialog.text.setPlainText("在同事基础上补充。")
    dialog.submit_button.click()  # the reloaded version saves without a conflict
    assert not dialog.isVisible() and updates.history(reported, CODE)[0].text == "在同事基础上补充。"
