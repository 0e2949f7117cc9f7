"""进展记录: the selected task's updates as a timeline, newest first, with review state and notes.

Under the timeline the user picks one update; 「修改…」 corrects it while it still awaits review (待审核) and the
user may edit updates of this task. The service decides in the end; the button only saves a pointless try.
"""

from html import escape

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from zzdesk.domain.permissions import Action, TaskDepartments, allowed, needs_task
from zzdesk.domain.vocabulary import ReviewState
from zzdesk.services import ledger, updates
from zzdesk.services.context import ServiceContext
from zzdesk.services.views import TaskView, UpdateView
from zzdesk.ui.worker import DatabaseWorker

REVIEW_COLORS = {ReviewState.SUBMITTED: "#b7791f", ReviewState.ACCEPTED: "#2e7d32", ReviewState.RETURNED: "#c0392b"}


def tr(text: str) -> str:
    return QCoreApplication.translate("HistoryView", text)


class HistoryView(QWidget):
    """Emits ``changed(code)`` after an update was edited (the history has been reloaded by then)."""

    changed = Signal(str)

    def __init__(self, ctx: ServiceContext | None = None, worker: DatabaseWorker | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self._code: str | None = None
        self._task: TaskView | None = None  # loaded with the history when editing may be possible
        self._updates: list[UpdateView] = []
        self.browser = QTextBrowser()
        self.choice = QComboBox()
        self.choice.setMinimumContentsLength(24)
        self.edit_button = QPushButton(tr("修改…"))
        self.edit_button.setToolTip(tr("只能修改待审核的报送"))
        self.choice_label = QLabel(tr("报送(&B)"))
        self.choice_label.setBuddy(self.choice)
        row = QHBoxLayout()
        row.addWidget(self.choice_label)
        row.addWidget(self.choice, 1)
        row.addWidget(self.edit_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser, 1)
        layout.addLayout(row)
        self.choice.currentIndexChanged.connect(self._update_button)
        self.edit_button.clicked.connect(self.edit_selected)
        self.show_updates(None, [])

    def toPlainText(self) -> str:
        """The timeline as text, as when this view was the QTextBrowser itself."""
        return self.browser.toPlainText()

    def show_updates(self, code: str | None, updates_shown: list[UpdateView]) -> None:
        self._code, self._updates = code, list(updates_shown)
        if self._task is not None and self._task.code != code:
            self._task = None
        self.choice.blockSignals(True)
        self.choice.clear()
        for update in self._updates:
            self.choice.addItem(f"{update.period}　{update.status_label} {update.progress}%　{update.review_label}"
                                f"　#{update.id}", update.id)
        self.choice.blockSignals(False)
        self.choice.setEnabled(bool(self._updates))
        self._update_button()
        if self._updates and self._task is None and self._may_load():
            ctx, loaded_code = self.ctx, code
            self.worker.run(lambda: ledger.task_view(ctx, loaded_code), self._task_loaded)
        self.browser.setHtml(_timeline_html(code, self._updates))

    def selected(self) -> UpdateView | None:
        index = self.choice.currentIndex()
        return self._updates[index] if 0 <= index < len(self._updates) else None

    def _may_load(self) -> bool:
        return self.ctx is not None and self.worker is not None and allowed_role(self.ctx)

    def _task_loaded(self, task: TaskView) -> None:
        if task.code == self._code:  # the user may have moved on while it loaded
            self._task = task
            self._update_button()

    def _update_button(self) -> None:
        update = self.selected()
        self.edit_button.setEnabled(update is not None and update.review is ReviewState.SUBMITTED
                                    and self._task is not None and may_edit(self.ctx, self._task))

    def edit_selected(self) -> None:
        """Open the 进展报送 dialog on the selected update; after a save, reload the history."""
        from zzdesk.ui.update_dialog import UpdateDialog  # imported here: the dialog is heavy and rarely opened

        update, task = self.selected(), self._task
        if update is None or task is None or not self.edit_button.isEnabled():
            return
        dialog = UpdateDialog(self.ctx, self.worker, task, self, editing=update)
        dialog.submitted.connect(lambda view: self._reload(view.id))
        dialog.exec()

    def _reload(self, update_id: int) -> None:
        ctx, code = self.ctx, self._code
        if code is None:
            return

        def shown(rows: list[UpdateView]) -> None:
            if code != self._code:
                return
            self.show_updates(code, rows)
            index = self.choice.findData(update_id)
            if index >= 0:
                self.choice.setCurrentIndex(index)
            self.changed.emit(code)

        self.worker.run(lambda: updates.history(ctx, code), shown)


def allowed_role(ctx: ServiceContext) -> bool:
    """Whether the user's role may edit updates at all (a liaison's scope is checked per task)."""
    return needs_task(ctx.user, Action.EDIT_UPDATE) or allowed(ctx.user, Action.EDIT_UPDATE)


def may_edit(ctx: ServiceContext | None, task: TaskView) -> bool:
    """The permission rule for this task; a liaison's own department stands in for the ids the view lacks."""
    if ctx is None:
        return False
    user = ctx.user
    if not needs_task(user, Action.EDIT_UPDATE):
        return allowed(user, Action.EDIT_UPDATE)
    involved = user.department is not None and user.department in (task.lead, *task.co)
    scope = TaskDepartments(code=task.code, lead_id=user.department_id if involved else None, lead=task.lead)
    return allowed(user, Action.EDIT_UPDATE, scope)


def _timeline_html(code: str | None, shown: list[UpdateView]) -> str:
    if code is None:
        return f"<p style='color:#777'>{escape(tr('选择一项任务查看它的进展报送记录。'))}</p>"
    if not shown:
        return f"<p style='color:#777'>{escape(tr('{} 还没有进展报送。').format(code))}</p>"
    blocks = []
    for update in shown:
        color = REVIEW_COLORS[update.review]
        note = f"：{escape(update.review_note)}" if update.review_note else ""
        parts = [f"<b>{escape(tr('进展情况'))}</b>　{escape(update.text)}"]
        if update.problems:
            parts.append(f"<b>{escape(tr('存在问题'))}</b>　{escape(update.problems)}")
        if update.next_steps:
            parts.append(f"<b>{escape(tr('下步打算'))}</b>　{escape(update.next_steps)}")
        when = update.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        blocks.append(
            f"<p style='margin-bottom:2px'><b>{escape(update.period)}</b>　{escape(update.status_label)}"
            f"　{update.progress}%　<span style='color:{color}'>{escape(update.review_label)}{note}</span></p>"
            f"<p style='color:#666;margin-top:0'>{escape(update.reporter)}　{when}　#{update.id}</p>"
            f"<p style='margin-left:14px'>{'<br>'.join(parts)}</p><hr>")
    return "".join(blocks)
