"""The 进展报送 dialog, offscreen: defaults, Ctrl+Enter, inline refusals, evidence files and drafts."""

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QPlainTextEdit

from zzdesk.domain.dates import Deadline
from zzdesk.domain.vocabulary import Cycle, Status
from zzdesk.services import attachments, ledger, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput
from zzdesk.ui import drafts
from zzdesk.ui.app import create_application
from zzdesk.ui.update_dialog import UpdateDialog
from zzdesk.ui.worker import DatabaseWorker

CODE = "1.1"


@pytest.fixture
def task(ctx):
    """1.1 assigned to a department, reported monthly by the 25th (so on 11-20 the October report is due)."""
    assign(ctx, CODE, AssignmentChange(lead="市发展改革委", leader="张三（副市长）", start=date(2025, 1, 1),
                                       deadline=Deadline(date(2026, 6, 30)), cycle=Cycle.MONTHLY, due_day=25))
    return ledger.task_view(ctx, CODE)


@pytest.fixture
def open_dialog(qtbot, ctx, task):
    create_application()

    def make() -> UpdateDialog:
        dialog = UpdateDialog(ctx, DatabaseWorker(synchronous=True), ledger.task_view(ctx, CODE))
        qtbot.addWidget(dialog)
        with qtbot.waitActive(dialog):  # shortcuts and focus need the active window
            dialog.show()
            dialog.activateWindow()
        return dialog

    return make


def _evidence(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "材料"
    folder.mkdir(exist_ok=True)
    minutes = folder / "推进会会议纪要.pdf"
    minutes.write_bytes(b"%PDF" + b"0" * 2044)
    photo = folder / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8" + b"1" * 3 * 1024 * 1024)
    return [minutes, photo]


def _listed(dialog: UpdateDialog) -> list[str]:
    return [dialog.file_list.item(i).text() for i in range(dialog.file_list.count())]


def _pick_files(monkeypatch: pytest.MonkeyPatch, paths: list[Path]) -> None:
    monkeypatch.setattr("zzdesk.ui.update_dialog.QFileDialog.getOpenFileNames",
                        lambda *args, **kwargs: ([str(p) for p in paths], ""))


def _type(edit: QPlainTextEdit, text: str) -> None:
    """Chinese arrives through the input method as committed text, not as key presses QTest could send."""
    edit.setFocus()
    edit.insertPlainText(text)


def _fill(dialog: UpdateDialog, qtbot, progress: int = 70) -> None:  # type: ignore[no-untyped-def]
    dialog.status.setCurrentIndex(dialog.status.findText("正常推进"))
    dialog.progress.setValue(progress)
    _type(dialog.text, "召开全市扩投资推进会，新开工项目 36 个。")
    _type(dialog.problems, "部分项目用地指标未落实。")
    _type(dialog.next_steps, "加快土地报批，月底前再开工 5 个项目。")


def test_the_dialog_shows_the_task_and_sensible_defaults(open_dialog, task):
    dialog = open_dialog()
    assert dialog.windowTitle() == "进展报送 — 1.1"
    assert dialog.heading.text() == f"1.1　{task.title}"
    assert "牵头单位：市发展改革委" in dialog.facts.text() and "报送周期：每月（25日前）" in dialog.facts.text()
    assert dialog.period.text() == "2025-10"  # before the 25th, the report due next is October's
    assert dialog.expected_label.text() == f"序时进度 {task.expected_progress}%"
    assert dialog.status.currentText() == "正常推进" and dialog.progress.value() == 0
    assert [dialog.status.itemText(i) for i in range(dialog.status.count())] == [
        "未启动", "正常推进", "进度滞后", "已完成", "持续推进"]
    assert not dialog.error_label.isVisible() and not dialog.draft_notice.isVisible()
    assert dialog.text.hasFocus()


def test_the_last_report_prefills_status_and_progress(open_dialog, ctx, task):
    updates.log_update(ctx, CODE, UpdateInput(status=Status.LAGGING, progress=35, text="进度偏慢。"))
    dialog = open_dialog()
    assert dialog.status.currentText() == "进度滞后" and dialog.progress.value() == 35
    assert "上次报送：2025-10，进度滞后 35%" in dialog.facts.text()


def test_slider_and_spinbox_stay_in_sync(open_dialog, qtbot):
    dialog = open_dialog()
    dialog.progress.setValue(42)
    assert dialog.progress_slider.value() == 42
    dialog.progress_slider.setValue(80)
    assert dialog.progress.value() == 80
    dialog.progress_slider.setFocus()
    qtbot.keyClick(dialog.progress_slider, Qt.Key.Key_PageUp)
    assert dialog.progress.value() == dialog.progress_slider.value() == 90
    assert dialog.progress.text() == "90%"


def test_ctrl_enter_submits_the_update_with_its_files(open_dialog, ctx, qtbot, tmp_path, monkeypatch):
    dialog = open_dialog()
    files = _evidence(tmp_path)
    _pick_files(monkeypatch, files)
    _fill(dialog, qtbot)
    qtbot.mouseClick(dialog.add_file_button, Qt.MouseButton.LeftButton)
    assert _listed(dialog) == [
        "推进会会议纪要.pdf　（2.0 KB）", "现场照片.jpg　（3.0 MB）"]

    with qtbot.waitSignal(dialog.submitted, timeout=2000) as signal:
        qtbot.keyClick(dialog.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    (saved,) = updates.history(ctx, CODE)
    assert signal.args == [saved]
    assert (saved.period, saved.status, saved.progress) == ("2025-10", Status.ON_TRACK, 70)
    assert saved.text == "召开全市扩投资推进会，新开工项目 36 个。"
    assert saved.problems == "部分项目用地指标未落实。" and saved.next_steps == "加快土地报批，月底前再开工 5 个项目。"
    listed = attachments.list_attachments(ctx, saved.id)
    assert [(a.original_name, a.size_bytes) for a in listed] == [(p.name, p.stat().st_size) for p in files]
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert drafts.load_draft(CODE) is None


def test_submitting_on_the_real_worker_thread(qtbot, ctx, task, tmp_path, monkeypatch):
    create_application()
    worker = DatabaseWorker()
    dialog = UpdateDialog(ctx, worker, task)
    qtbot.addWidget(dialog)
    dialog.show()
    _pick_files(monkeypatch, _evidence(tmp_path))
    dialog.add_files()
    qtbot.waitUntil(lambda: dialog.file_list.count() == 2, timeout=3000)
    dialog.text.setPlainText("按计划推进。")
    with qtbot.waitSignal(dialog.submitted, timeout=3000):
        dialog.submit()
        assert not dialog.submit_button.isEnabled()  # no second submit while the first is running
        dialog.reject()  # Esc while saving is ignored: the update is on its way
        assert dialog.isVisible()
    worker.wait()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert [u.text for u in updates.history(ctx, CODE)] == ["按计划推进。"]
    assert drafts.load_draft(CODE) is None


def test_enter_in_the_period_field_submits_after_adding_files(open_dialog, ctx, qtbot, tmp_path, monkeypatch):
    dialog = open_dialog()
    _pick_files(monkeypatch, _evidence(tmp_path))
    qtbot.mouseClick(dialog.add_file_button, Qt.MouseButton.LeftButton)
    _type(dialog.text, "按计划推进。")
    dialog.period.setFocus()
    qtbot.keyClick(dialog.period, Qt.Key.Key_Return)
    (saved,) = updates.history(ctx, CODE)
    assert len(attachments.list_attachments(ctx, saved.id)) == 2


def test_removing_a_file_before_submitting(open_dialog, ctx, qtbot, tmp_path, monkeypatch):
    dialog = open_dialog()
    files = _evidence(tmp_path)
    _pick_files(monkeypatch, files)
    _fill(dialog, qtbot)
    dialog.add_files()
    dialog.add_files()  # the same files twice are listed once
    assert dialog.file_list.count() == 2
    dialog.file_list.item(0).setSelected(True)
    qtbot.mouseClick(dialog.remove_file_button, Qt.MouseButton.LeftButton)
    assert _listed(dialog) == ["现场照片.jpg　（3.0 MB）"]
    dialog.add_files()
    dialog.file_list.setFocus()
    dialog.file_list.item(0).setSelected(True)
    qtbot.keyClick(dialog.file_list, Qt.Key.Key_Delete)
    assert _listed(dialog) == ["推进会会议纪要.pdf　（2.0 KB）"]
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    (saved,) = updates.history(ctx, CODE)
    assert [a.original_name for a in attachments.list_attachments(ctx, saved.id)] == ["推进会会议纪要.pdf"]


@pytest.mark.parametrize(("status", "progress", "period", "text", "message"), [
    ("正常推进", 40, "2025-10", "", "进展情况不能为空，请写明本期做了什么"),
    ("已完成", 90, "2025-10", "主体工程完工。", "状态为“已完成”时进度应为 100，当前填写的是 90"),
    ("未启动", 10, "2025-10", "前期准备。", "状态为“未启动”时进度应为 0，当前填写的是 10"),
    ("正常推进", 40, "2025-12", "提前报送。", "报送期 2025-12 还没到，只能报送本月（2025-11）及以前的进展"),
    ("正常推进", 40, "2025-13", "按计划推进。", "报送期“2025-13”的月份应在 1 到 12 之间"),
])
def test_a_refusal_is_shown_inline_and_nothing_is_lost(open_dialog, ctx, qtbot, tmp_path, monkeypatch,
                                                      status, progress, period, text, message):
    dialog = open_dialog()
    _pick_files(monkeypatch, _evidence(tmp_path))
    dialog.add_files()
    dialog.period.setText(period)
    dialog.status.setCurrentIndex(dialog.status.findText(status))
    dialog.progress.setValue(progress)
    dialog.text.setPlainText(text)
    dialog.problems.setPlainText("资金未到位。")

    qtbot.keyClick(dialog.problems, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    assert dialog.error_label.isVisible() and dialog.error_label.text() == message
    assert dialog.isVisible() and dialog.result() != QDialog.DialogCode.Accepted
    assert updates.history(ctx, CODE) == []
    assert (dialog.period.text(), dialog.status.currentText(), dialog.progress.value()) == (period, status, progress)
    assert dialog.text.toPlainText() == text and dialog.problems.toPlainText() == "资金未到位。"
    assert dialog.file_list.count() == 2
    assert dialog.submit_button.isEnabled()

    dialog.period.setText("2025-10")
    dialog.status.setCurrentIndex(dialog.status.findText("正常推进"))
    dialog.text.setPlainText("按计划推进。")
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert [u.text for u in updates.history(ctx, CODE)] == ["按计划推进。"]


def test_unusable_files_are_refused_inline(open_dialog, qtbot, tmp_path, monkeypatch):
    dialog = open_dialog()
    folder = tmp_path / "整个文件夹"
    folder.mkdir()
    _pick_files(monkeypatch, [folder])
    dialog.add_files()
    assert dialog.error_label.text() == "“整个文件夹”是文件夹，请选择其中的文件（可先压缩成一个 zip 文件）"
    assert dialog.file_list.count() == 0
    many = [tmp_path / f"照片{i}.jpg" for i in range(attachments.MAX_FILES + 1)]
    for path in many:
        path.write_bytes(b"x")
    _pick_files(monkeypatch, many)
    dialog.add_files()
    assert "一次最多附 20 个佐证材料" in dialog.error_label.text()
    assert dialog.file_list.count() == 0
    _pick_files(monkeypatch, many[:2])
    dialog.add_files()
    assert dialog.file_list.count() == 2 and not dialog.error_label.isVisible()


def test_a_cancelled_dialog_keeps_a_draft_that_the_next_one_restores(open_dialog, ctx, qtbot):
    first = open_dialog()
    first.period.setText("2025-09")
    first.status.setCurrentIndex(first.status.findText("进度滞后"))
    first.progress.setValue(35)
    _type(first.text, "完成项目清单梳理。")
    _type(first.next_steps, "下月召开调度会。")
    qtbot.keyClick(first.text, Qt.Key.Key_Escape)
    assert not first.isVisible() and first.result() == QDialog.DialogCode.Rejected
    assert updates.history(ctx, CODE) == []

    second = open_dialog()
    assert second.draft_notice.isVisible()
    assert second.draft_label.text().startswith("已恢复上次未提交的草稿")
    assert (second.period.text(), second.status.currentText(), second.progress.value()) == ("2025-09", "进度滞后", 35)
    assert second.text.toPlainText() == "完成项目清单梳理。"
    assert second.next_steps.toPlainText() == "下月召开调度会。" and second.problems.toPlainText() == ""

    qtbot.keyClick(second.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert [u.period for u in updates.history(ctx, CODE)] == ["2025-09"]
    third = open_dialog()
    assert not third.draft_notice.isVisible() and third.text.toPlainText() == ""


def test_closing_the_window_keeps_a_draft_and_an_empty_form_keeps_none(open_dialog, qtbot):
    dialog = open_dialog()
    _type(dialog.problems, "审批环节多。")
    dialog.close()
    assert drafts.load_draft(CODE).problems == "审批环节多。"
    empty = open_dialog()
    empty.problems.clear()
    empty.reject()
    assert drafts.load_draft(CODE) is None


def test_discarding_a_draft_restores_the_defaults(open_dialog, qtbot):
    dialog = open_dialog()
    dialog.progress.setValue(55)
    _type(dialog.text, "草稿内容。")
    dialog.reject()
    restored = open_dialog()
    assert restored.progress.value() == 55
    qtbot.mouseClick(restored.discard_button, Qt.MouseButton.LeftButton)
    assert not restored.draft_notice.isVisible()
    assert restored.text.toPlainText() == "" and restored.progress.value() == 0
    assert restored.period.text() == "2025-10"
    assert drafts.load_draft(CODE) is None


def test_an_unreadable_draft_is_ignored(open_dialog, tmp_path):
    drafts.drafts_dir().mkdir(parents=True)
    (drafts.drafts_dir() / f"{CODE}.json").write_text("{不是 JSON", encoding="utf-8")
    dialog = open_dialog()
    assert not dialog.draft_notice.isVisible() and dialog.period.text() == "2025-10"


def test_drafts_are_kept_per_task_in_the_data_folder(tmp_path):
    draft = drafts.Draft(period="2025-10", status="on_track", progress=50, text="甲", problems="", next_steps="",
                         saved_at="2025-11-20T09:30")
    drafts.save_draft("2.4.1", draft)
    assert (tmp_path / "data" / "drafts" / "2.4.1.json").is_file()
    assert drafts.load_draft("2.4.1") == draft
    assert drafts.load_draft("2.4") is None
    with pytest.raises(ValueError):
        drafts.save_draft("../../etc", draft)
