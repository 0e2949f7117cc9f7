"""Under 概况: the selected task's deadline story and what can be done about it — 申请延期…, 办结…, 撤销办结….

Buttons a role may not use are hidden (the services refuse them anyway). ``changed(code)`` after a request, a
closing or a reopening, so the window reloads the ledger.
"""

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QLabel, QMessageBox, QPushButton, QWidget

from zzdesk.domain.errors import DomainError
from zzdesk.domain.permissions import Action, allowed_actions
from zzdesk.services import closing, extensions
from zzdesk.services.context import ServiceContext
from zzdesk.services.extensions import ExtensionState, ExtensionView
from zzdesk.services.views import TaskView
from zzdesk.ui.extension_dialog import ExtensionRequestDialog
from zzdesk.ui.worker import DatabaseWorker


def tr(text: str) -> str:
    return QCoreApplication.translate("TaskActions", text)


def deadline_story(task: TaskView, requests: list[ExtensionView]) -> str:
    """One line: 已办结 / a pending request / the original deadline, whichever applies (empty when none)."""
    parts = []
    if task.closed:
        when = task.closed_at.astimezone().strftime("%Y-%m-%d") if task.closed_at else ""
        parts.append(tr("已办结（{}，{}）").format(task.closed_by, when))
    if task.extended and task.original_deadline is not None and task.deadline is not None:
        parts.append(tr("原完成时限 {}，经批准延期至 {}").format(task.original_deadline.isoformat(),
                                                             task.deadline.isoformat()))
    pending = next((r for r in requests if r.state is ExtensionState.PENDING), None)
    if pending is not None:
        parts.append(tr("延期申请待审批：申请延至 {}").format(pending.new_deadline.isoformat()))
    elif requests and requests[0].state is ExtensionState.REJECTED:
        parts.append(tr("最近一次延期申请已驳回：{}").format(requests[0].decision_note))
    return "；".join(parts)


class TaskActions(QWidget):
    changed = Signal(str)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self._task: TaskView | None = None
        self.story = QLabel()
        self.story.setWordWrap(True)
        self.story.setTextFormat(Qt.TextFormat.PlainText)
        self.story.setStyleSheet("color:#555")
        self.extend_button = QPushButton(tr("申请延期…"))
        self.extend_button.setToolTip(tr("申请把完成时限推后，写明理由，由督查室审批"))
        self.close_button = QPushButton(tr("办结…"))
        self.close_button.setToolTip(tr("确认任务已完成并办结（须有一条已采纳的“已完成”报送）"))
        self.reopen_button = QPushButton(tr("撤销办结…"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.story, 1)
        for button in (self.extend_button, self.close_button, self.reopen_button):
            button.setAutoDefault(False)
            layout.addWidget(button)
        may = allowed_actions(ctx.user)
        self._may_extend = Action.REQUEST_EXTENSION in may
        self._may_close = Action.CLOSE_TASK in may
        self.extend_button.clicked.connect(self.request_extension)
        self.close_button.clicked.connect(self.close_task)
        self.reopen_button.clicked.connect(self.reopen_task)
        self.show_task(None)

    def show_task(self, task: TaskView | None) -> None:
        self._task = task
        self.story.clear()
        dated = task is not None and not task.closed and not task.ongoing and task.deadline is not None
        self.extend_button.setVisible(self._may_extend and task is not None and not task.closed)
        self.extend_button.setEnabled(dated)
        self.close_button.setVisible(self._may_close and task is not None and not task.closed)
        self.reopen_button.setVisible(self._may_close and task is not None and task.closed)
        if task is not None:
            self.story.setText(deadline_story(task, []))
            ctx, code = self.ctx, task.code
            self.worker.run(lambda: (code, extensions.extensions_of(ctx, code)), self._show_requests)

    def _show_requests(self, loaded: tuple[str, list[ExtensionView]]) -> None:
        code, requests = loaded
        if self._task is not None and self._task.code == code:  # the user may have moved on while it loaded
            self.story.setText(deadline_story(self._task, requests))
            if any(r.state is ExtensionState.PENDING for r in requests):
                self.extend_button.setEnabled(False)
                self.extend_button.setToolTip(tr("已有一条待审批的延期申请"))

    def request_extension(self) -> ExtensionRequestDialog | None:
        if self._task is None:
            return None
        dialog = ExtensionRequestDialog(self.ctx, self.worker, self._task, self)
        code = self._task.code
        dialog.submitted.connect(lambda _view: self.changed.emit(code))
        dialog.open()
        return dialog

    def close_task(self) -> None:
        task = self._task
        if task is None:
            return
        answer = QMessageBox.question(
            self, tr("确认办结？"),
            tr("确认 {} {} 已完成，予以办结？\n\n办结后不再接收进展报送和延期申请；如有需要，可由督查室撤销办结。")
            .format(task.code, task.title),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        ctx, code = self.ctx, task.code
        self.worker.run(lambda: closing.close_task(ctx, code), lambda view: self.changed.emit(view.code),
                        self._refused)

    def reopen_task(self) -> None:
        task = self._task
        if task is None:
            return
        reason, ok = QInputDialog.getMultiLineText(self, tr("撤销办结"), tr("撤销 {} 办结的理由：").format(task.code))
        if ok:
            ctx, code = self.ctx, task.code
            self.worker.run(lambda: closing.reopen_task(ctx, code, reason), lambda view: self.changed.emit(view.code),
                            self._refused)

    def _refused(self, error: DomainError) -> None:
        QMessageBox.warning(self, tr("无法完成"), error.message)
