"""进展报送: the dialog a liaison fills in each period — status, progress, what was done, evidence files.

Built to take under a minute: the period and last status are filled in, Ctrl+Enter submits, refusals
appear inline without losing anything typed, and closing by mistake keeps a draft for next time.
With ``editing`` the same form corrects an update still awaiting review (修改报送): prefilled, the period fixed,
evidence files left as they are, no drafts, and a save made since loading shown as a conflict.
"""

import logging
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.dates import parse_period
from zzdesk.domain.errors import ConflictError, DomainError
from zzdesk.domain.reporting import default_period
from zzdesk.domain.vocabulary import STATUS_LABELS, Status
from zzdesk.services import attachments, updates
from zzdesk.services.attachments import MAX_FILE_BYTES, MAX_FILES, ChosenFile, format_size
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import UpdateInput
from zzdesk.services.views import TaskView, UpdateView
from zzdesk.ui import conflict_dialog, drafts
from zzdesk.ui.drafts import Draft
from zzdesk.ui.worker import DatabaseWorker

log = logging.getLogger(__name__)

ERROR_STYLE = "QLabel { color: #b3261e; background: #fdecea; border: 1px solid #f2b8b5; padding: 6px 8px; }"
NOTICE_STYLE = "QFrame#draftNotice { background: #eef4fb; border: 1px solid #c4d7ee; }"


def tr(text: str) -> str:
    return QCoreApplication.translate("UpdateDialog", text)


@dataclass(frozen=True)
class _Form:
    """What the user entered, read off the widgets once, so the worker never touches a widget."""

    period: str
    status: Status
    progress: int
    text: str
    problems: str
    next_steps: str
    files: tuple[Path, ...]


class UpdateDialog(QDialog):
    """Emits ``submitted(UpdateView)`` after the update and its files are saved (or the edit is saved), then accepts."""

    submitted = Signal(object)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, task: TaskView,
                 parent: QWidget | None = None, editing: UpdateView | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker, self.task = ctx, worker, task
        self.editing = editing  # the update being corrected; its version_id is sent back with the save
        self._files: list[ChosenFile] = []
        self._busy = False
        title = tr("修改报送 — {}") if editing is not None else tr("进展报送 — {}")
        self.setWindowTitle(title.format(task.code))
        self.setMinimumWidth(640)

        self.heading = QLabel(f"{task.code}　{task.title}")
        self.heading.setWordWrap(True)
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.facts = QLabel(self._facts_text())
        self.facts.setWordWrap(True)
        self.facts.setStyleSheet("color: #555;")

        self.draft_notice = QFrame(objectName="draftNotice")
        self.draft_notice.setStyleSheet(NOTICE_STYLE)
        self.draft_label = QLabel()
        self.discard_button = QPushButton(tr("丢弃草稿"))
        self.discard_button.setFlat(True)
        self.discard_button.setCursor(Qt.CursorShape.PointingHandCursor)
        notice_layout = QHBoxLayout(self.draft_notice)
        notice_layout.setContentsMargins(8, 4, 4, 4)
        notice_layout.addWidget(self.draft_label, 1)
        notice_layout.addWidget(self.discard_button)
        self.draft_notice.setVisible(False)
        for label in (self.heading, self.facts, self.draft_label):
            label.setTextFormat(Qt.TextFormat.PlainText)  # titles and names are data, never markup

        self.period = QLineEdit()
        self.period.setPlaceholderText(tr("如 2025-10"))
        self.period.setMaximumWidth(120)
        self.period_hint = QLabel()
        self.period_hint.setStyleSheet("color: #777;")
        self.status = QComboBox()
        for status, label in STATUS_LABELS.items():
            self.status.addItem(label, status.value)
        self.progress = QSpinBox()
        self.progress.setRange(0, 100)
        self.progress.setSuffix("%")
        self.progress.setMinimumWidth(72)
        self.progress_slider = QSlider(Qt.Orientation.Horizontal)
        self.progress_slider.setRange(0, 100)
        self.progress_slider.setPageStep(10)
        self.progress_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.progress_slider.setTickInterval(10)
        self.progress_slider.setToolTip(tr("拖动或用方向键调整进度"))
        self.progress.valueChanged.connect(self.progress_slider.setValue)
        self.progress_slider.valueChanged.connect(self.progress.setValue)
        expected = task.expected_progress
        self.expected_label = QLabel(tr("序时进度 {}%").format(expected) if expected is not None
                                     else tr("序时进度 —（长期任务）"))
        self.expected_label.setToolTip(tr("按开始日期到完成时限的时间比例，到今天应达到的进度"))

        self.text = self._text_edit(tr("本期做了什么、取得什么成效（必填）"), 5)
        self.problems = self._text_edit(tr("遇到的困难和问题（没有可不填）"), 3)
        self.next_steps = self._text_edit(tr("下一期的工作安排"), 3)

        self.file_list = QListWidget()
        self.file_list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.file_list.setFixedHeight(self.fontMetrics().height() * 4 + 14)
        self.add_file_button = QPushButton(tr("添加文件…"))
        self.add_file_button.setToolTip(tr("Ctrl+O"))
        self.remove_file_button = QPushButton(tr("移除"))
        self.remove_file_button.setToolTip(tr("Delete"))
        self.remove_file_button.setEnabled(False)
        self.file_hint = QLabel(tr("每个文件不超过 {}，最多 {} 个；提交时复制保存，原文件之后可移动或删除。")
                                .format(format_size(MAX_FILE_BYTES).replace(".0 ", " "), MAX_FILES))
        self.file_hint.setStyleSheet("color: #777;")
        self.file_hint.setWordWrap(True)

        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setStyleSheet(ERROR_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.setVisible(False)

        self.buttons = QDialogButtonBox()
        submit_text = tr("保存修改（Ctrl+Enter）") if editing is not None else tr("提交（Ctrl+Enter）")
        self.submit_button = self.buttons.addButton(submit_text, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.submit_button.setDefault(True)
        for button in (self.add_file_button, self.remove_file_button, self.discard_button, self.cancel_button):
            button.setAutoDefault(False)  # Enter in the period field submits; it must never open a file dialog

        self._build_layout()
        self._connect()
        self._fill_defaults()
        self.text.setFocus()
        self._fit_height()

    # --- construction ---------------------------------------------------------------------------
    def _text_edit(self, hint: str, lines: int) -> QPlainTextEdit:
        edit = _TextBox(lines)
        edit.setPlaceholderText(hint)
        edit.setTabChangesFocus(True)
        return edit

    def _facts_text(self) -> str:
        task = self.task
        parts = [tr("牵头单位：{}").format(task.lead or tr("未分配"))]
        if task.deadline_text:
            parts.append(tr("完成时限：{}").format(task.deadline_text))
        if task.cycle_label:
            due = tr("（{}日前）").format(task.due_day) if task.due_day else ""
            parts.append(tr("报送周期：{}{}").format(task.cycle_label, due))
        if self.editing is not None:
            edited = self.editing
            when = edited.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
            return "　·　".join(parts) + "\n" + "　·　".join((tr("报送 #{}").format(edited.id),
                                                           tr("报送人：{}").format(edited.reporter), when,
                                                           edited.review_label))
        if task.last_period and task.status is not None and not task.rolled_up:
            last = tr("上次报送：{}，{} {}%").format(task.last_period, task.status_label, task.progress)
        else:
            last = tr("上次报送：无")
        return "　·　".join(parts) + "\n" + "　·　".join((last, tr("报送人：{}").format(self.ctx.actor)))

    def _build_layout(self) -> None:
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress)
        progress_row.addWidget(self.progress_slider, 1)
        progress_row.addSpacing(12)
        progress_row.addWidget(self.expected_label)
        period_row = QHBoxLayout()
        period_row.addWidget(self.period)
        period_row.addWidget(self.period_hint, 1)

        file_buttons = QVBoxLayout()
        file_buttons.addWidget(self.add_file_button)
        file_buttons.addWidget(self.remove_file_button)
        file_buttons.addStretch(1)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file_list, 1)
        file_row.addLayout(file_buttons)
        file_box = QVBoxLayout()
        file_box.addLayout(file_row)
        file_box.addWidget(self.file_hint)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        rows = ((tr("报送期(&P)"), period_row, self.period), (tr("状态(&S)"), self.status, self.status),
                (tr("进度(&G)"), progress_row, self.progress),
                (tr("进展情况(&J)") + "<span style='color:#b3261e'> *</span>", self.text, self.text),
                (tr("存在问题(&W)"), self.problems, self.problems),
                (tr("下步打算(&X)"), self.next_steps, self.next_steps),
                (tr("佐证材料(&F)"), file_box, self.file_list))
        for text, field, buddy in rows:
            label = QLabel(text)
            label.setBuddy(buddy)
            form.addRow(label, field)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.facts)
        layout.addWidget(self.draft_notice)
        layout.addSpacing(4)
        layout.addLayout(form, 1)
        layout.addWidget(self.error_label)
        layout.addWidget(self.buttons)

        chain = (self.period, self.status, self.progress, self.progress_slider, self.text, self.problems,
                 self.next_steps, self.file_list, self.add_file_button, self.remove_file_button,
                 self.submit_button, self.cancel_button)
        for before, after in pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _fit_height(self) -> None:
        """Word-wrapped labels (a long title) are left out of a dialog's size hint; make room for them."""
        width = max(self.minimumWidth(), self.sizeHint().width())
        self.resize(width, max(self.sizeHint().height(), self.layout().totalHeightForWidth(width)))

    def _connect(self) -> None:
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.submit)
        QShortcut(QKeySequence("Ctrl+O"), self, activated=self.add_files)
        remove = QShortcut(QKeySequence.StandardKey.Delete, self.file_list, activated=self.remove_selected_files)
        remove.setContext(Qt.ShortcutContext.WidgetShortcut)
        self.add_file_button.clicked.connect(self.add_files)
        self.remove_file_button.clicked.connect(self.remove_selected_files)
        self.file_list.itemSelectionChanged.connect(
            lambda: self.remove_file_button.setEnabled(bool(self.file_list.selectedItems())))
        self.discard_button.clicked.connect(self.discard_draft)
        self.worker.busy_changed.connect(self._on_worker_busy)

    def _fill_defaults(self) -> None:
        if self.editing is not None:
            self._show_editing(self.editing)
            return
        self._set_defaults()
        draft = drafts.load_draft(self.task.code)
        if draft is not None and draft.has_text:
            self._restore(draft)

    def _set_defaults(self) -> None:
        """The next period due and the last reported status, so a routine update only needs its text."""
        task = self.task
        self.period.setText(str(default_period(task.cycle, task.due_day, self.ctx.today())))
        self.period_hint.setText(tr("格式 YYYY-MM；默认为下一次应报送的月份"))
        own = task.status is not None and not task.rolled_up
        self.status.setCurrentIndex(self.status.findData((task.status if own else Status.ON_TRACK).value))
        self.progress.setValue(task.progress if own and task.progress is not None else 0)
        for edit in (self.text, self.problems, self.next_steps):
            edit.clear()

    def _show_editing(self, update: UpdateView) -> None:
        """The update as saved; the period is what it reports on and its files stay as they are."""
        self.editing = update
        self.period.setText(update.period)
        self.period.setReadOnly(True)
        self.period.setStyleSheet("color: #555; background: #f2f2f2;")
        self.period_hint.setText(tr("报送期不能修改"))
        self.status.setCurrentIndex(self.status.findData(update.status.value))
        self.progress.setValue(update.progress)
        self.text.setPlainText(update.text)
        self.problems.setPlainText(update.problems)
        self.next_steps.setPlainText(update.next_steps)
        for widget in (self.file_list, self.add_file_button, self.remove_file_button):
            widget.setVisible(False)
        self.file_hint.setText(tr("佐证材料不能在此修改。"))

    def _restore(self, draft: Draft) -> None:
        self.period.setText(draft.period)
        index = self.status.findData(draft.status)
        if index >= 0:
            self.status.setCurrentIndex(index)
        self.progress.setValue(max(0, min(100, draft.progress)))
        self.text.setPlainText(draft.text)
        self.problems.setPlainText(draft.problems)
        self.next_steps.setPlainText(draft.next_steps)
        when = _saved_at_text(draft.saved_at)
        self.draft_label.setText(tr("已恢复上次未提交的草稿") + (tr("（{} 保存）").format(when) if when else "")
                                 + tr("；佐证材料需重新添加。"))
        self.draft_notice.setVisible(True)

    # --- the form -------------------------------------------------------------------------------
    def _form(self) -> _Form:
        return _Form(period=self.period.text().strip(), status=Status(self.status.currentData()),
                     progress=self.progress.value(), text=self.text.toPlainText(),
                     problems=self.problems.toPlainText(), next_steps=self.next_steps.toPlainText(),
                     files=tuple(chosen.path for chosen in self._files))

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.submit_button.setEnabled(not busy)
        self.add_file_button.setEnabled(not busy)
        if not busy:
            self.submit_button.setDefault(True)

    def _on_worker_busy(self, busy: bool) -> None:
        # An unexpected error goes to the global handler and skips our callbacks; don't stay stuck.
        if not busy and self._busy:
            self._set_busy(False)

    # --- attachments ----------------------------------------------------------------------------
    def add_files(self) -> None:
        if self._busy or self.editing is not None:
            return
        names, _ = QFileDialog.getOpenFileNames(self, tr("选择佐证材料"), str(Path.home()),
                                                tr("所有文件 (*)"))
        self.add_paths([Path(name) for name in names])

    def add_paths(self, paths: list[Path]) -> None:
        """Checked on the worker (size, folder, count) so a refusal shows at once, not at submit."""
        known = {chosen.path for chosen in self._files}
        new = [path for path in dict.fromkeys(paths) if path not in known]
        if not new:
            return
        current = [chosen.path for chosen in self._files]
        self._set_busy(True)  # a submit before the check returns would leave these files out
        self.worker.run(lambda: attachments.check_files(current + new), self._show_files, self._on_refused)

    def _show_files(self, chosen: list[ChosenFile]) -> None:
        self._set_busy(False)
        self._files = list(chosen)
        self.file_list.clear()
        for item in self._files:
            row = QListWidgetItem(f"{item.name}　（{item.size_text}）")
            row.setToolTip(str(item.path))
            self.file_list.addItem(row)
        self.show_error("")

    def remove_selected_files(self) -> None:
        if self._busy:
            return
        rows = sorted((self.file_list.row(item) for item in self.file_list.selectedItems()), reverse=True)
        for row in rows:
            del self._files[row]
            self.file_list.takeItem(row)

    # --- submit, cancel, drafts -----------------------------------------------------------------
    def submit(self, force: bool = False) -> None:
        if self._busy:
            return
        if self.editing is not None:
            self._save_edit(force)
            return
        form, ctx, code = self._form(), self.ctx, self.task.code

        def work() -> UpdateView:
            update = UpdateInput(status=form.status, progress=form.progress, text=form.text,
                                 problems=form.problems, next_steps=form.next_steps,
                                 period=parse_period(form.period))
            return updates.log_update_with_attachments(ctx, code, update, list(form.files))

        self._set_busy(True)
        self.worker.run(work, self._on_submitted, self._on_refused)

    def _save_edit(self, force: bool) -> None:
        form, ctx, edited = self._form(), self.ctx, self.editing
        update = UpdateInput(status=form.status, progress=form.progress, text=form.text, problems=form.problems,
                             next_steps=form.next_steps)
        self._set_busy(True)
        self.worker.run(lambda: updates.edit_update(ctx, edited.id, update, expected_version=edited.version_id,
                                                    force=force), self._on_submitted, self._on_refused)

    def _reload_edited(self) -> None:
        """重新载入 after a conflict: show the update as the other person saved it."""
        ctx, update_id = self.ctx, self.editing.id
        self._set_busy(True)

        def shown(view: UpdateView) -> None:
            self._set_busy(False)
            self._show_editing(view)
            self.facts.setText(self._facts_text())
            self.show_error("")

        self.worker.run(lambda: updates.get_update(ctx, update_id), shown, self._on_refused)

    def _on_submitted(self, view: UpdateView) -> None:
        self._set_busy(False)
        if self.editing is None:
            self._forget_draft()
        self.show_error("")
        self.submitted.emit(view)
        self.accept()

    def _on_refused(self, error: DomainError) -> None:
        self._set_busy(False)
        if isinstance(error, ConflictError) and self.editing is not None:
            self.show_error("")
            conflict_dialog.resolve(self, error, reload=self._reload_edited,
                                    overwrite=lambda: self.submit(force=True))
            return
        self.show_error(error.message)

    def reject(self) -> None:
        """Esc, 取消 and the close button all land here: keep what was typed as a draft."""
        if self._busy:
            return
        if self.editing is None:
            self._keep_draft()
        super().reject()

    def _keep_draft(self) -> None:
        form = self._form()
        draft = Draft(period=form.period, status=form.status.value, progress=form.progress, text=form.text,
                      problems=form.problems, next_steps=form.next_steps,
                      saved_at=datetime.now().isoformat(timespec="minutes"))
        try:
            if draft.has_text:
                drafts.save_draft(self.task.code, draft)
            else:
                drafts.delete_draft(self.task.code)
        except OSError as error:
            log.warning("could not keep the draft of %s: %s", self.task.code, error)

    def _forget_draft(self) -> None:
        try:
            drafts.delete_draft(self.task.code)
        except OSError as error:
            log.warning("could not delete the draft of %s: %s", self.task.code, error)

    def discard_draft(self) -> None:
        self._forget_draft()
        self._set_defaults()
        self.draft_notice.setVisible(False)
        self.text.setFocus()


class _TextBox(QPlainTextEdit):
    """A text box sized for a few lines, so the dialog opens compact instead of at Qt's 192-pixel default."""

    def __init__(self, lines: int) -> None:
        super().__init__()
        self._lines = lines
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * min(lines, 2) + 12)

    def sizeHint(self) -> QSize:
        return QSize(420, self.fontMetrics().lineSpacing() * self._lines + 12)


def _saved_at_text(saved_at: str) -> str:
    try:
        when = datetime.fromisoformat(saved_at)
    except ValueError:
        return ""
    return f"{when.month}月{when.day}日 {when:%H:%M}"
