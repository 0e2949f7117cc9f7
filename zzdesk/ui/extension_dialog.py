"""延期申请 dialogs: a department asks for a later deadline with a reason; a clerk approves or rejects with a note.

Both stay open with the service's refusal shown inline until it accepts, so nothing typed is lost.
"""

from datetime import date, timedelta

from PySide6.QtCore import QCoreApplication, QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from zzdesk.services import extensions
from zzdesk.services.context import ServiceContext
from zzdesk.services.extensions import ExtensionView
from zzdesk.services.views import TaskView
from zzdesk.ui.worker import DatabaseWorker

ERROR_STYLE = "color: #c0392b"
DEFAULT_MONTHS = 3


def tr(text: str) -> str:
    return QCoreApplication.translate("ExtensionDialog", text)


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _error_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(ERROR_STYLE)
    label.setVisible(False)
    return label


class ExtensionRequestDialog(QDialog):
    """申请延期: the new deadline (after the current one) and the reason. ``submitted(ExtensionView)`` on success."""

    submitted = Signal(object)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, task: TaskView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker, self.task = ctx, worker, task
        self.setWindowTitle(tr("申请延期 — {}").format(task.code))
        self.setMinimumWidth(520)
        heading = QLabel(f"{task.code}　{task.title}")
        heading.setWordWrap(True)
        heading.setTextFormat(Qt.TextFormat.PlainText)
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        current = task.deadline or ctx.today()
        facts = tr("当前完成时限：{}").format(task.deadline.isoformat() if task.deadline else tr("未设定"))
        if task.extended and task.original_deadline is not None:
            facts += tr("（原定 {}，已延期过）").format(task.original_deadline.isoformat())
        self.facts = QLabel(facts)
        self.facts.setStyleSheet("color:#555")
        self.new_deadline = QDateEdit(calendarPopup=True)
        self.new_deadline.setDisplayFormat("yyyy-MM-dd")
        self.new_deadline.setMinimumDate(_qdate(current + timedelta(days=1)))
        self.new_deadline.setDate(_qdate(current + timedelta(days=DEFAULT_MONTHS * 30)))
        self.reason = QPlainTextEdit()
        self.reason.setPlaceholderText(tr("写明延期原因和保障措施，如：项目用地手续尚在报批，预计明年一季度取得批复。"))
        self.reason.setTabChangesFocus(True)
        self.reason.setMinimumHeight(96)
        self.error = _error_label()
        form = QFormLayout()
        form.addRow(tr("申请延至(&D)："), self.new_deadline)
        form.addRow(tr("延期理由(&R)："), self.reason)
        self.buttons = QDialogButtonBox()
        self.submit_button = self.buttons.addButton(tr("提交申请"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit_button.setToolTip(tr("提交给督查室审批（Ctrl+Enter）"))
        self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.submit)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.facts)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reason.setFocus()

    def submit(self) -> None:
        if not self.submit_button.isEnabled():
            return
        ctx, code = self.ctx, self.task.code
        new_deadline, reason = _pydate(self.new_deadline.date()), self.reason.toPlainText()
        self.submit_button.setEnabled(False)

        def done(view: ExtensionView) -> None:
            self.submitted.emit(view)
            self.accept()

        self.worker.run(lambda: extensions.request_extension(ctx, code, new_deadline, reason), done,
                        lambda error: self.show_error(error.message))

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        self.submit_button.setEnabled(True)


class ExtensionDecisionDialog(QDialog):
    """批准 or 驳回 one request; a note is required to reject. ``submitted(note)`` asks the caller to decide."""

    submitted = Signal(str)

    def __init__(self, request: ExtensionView, approve: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.approve = approve
        self.setWindowTitle(tr("批准延期") if approve else tr("驳回延期申请"))
        self.setMinimumWidth(480)
        old = request.old_deadline.isoformat() if request.old_deadline else tr("未设定")
        text = (tr("批准 {} 延期：完成时限由 {} 改为 {}。\n原完成时限将保留在台账和报告中。") if approve
                else tr("驳回 {} 的延期申请（{} → {}）。\n请写明理由，申请单位将看到："))
        self.intro = QLabel(text.format(request.code, old, request.new_deadline.isoformat()))
        self.intro.setWordWrap(True)
        self.reason = QLabel(tr("申请理由：{}").format(request.reason))
        self.reason.setWordWrap(True)
        self.reason.setTextFormat(Qt.TextFormat.PlainText)
        self.reason.setStyleSheet("color:#555")
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText(tr("审批意见（可不填）") if approve
                                     else tr("例如：已多次延期，请按原时限加快推进。"))
        self.note.setTabChangesFocus(True)
        self.note.setMinimumHeight(72)
        self.error = _error_label()
        self.buttons = QDialogButtonBox()
        self.decide_button = self.buttons.addButton(tr("批准") if approve else tr("驳回"),
                                                    QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.reason)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.note.setFocus()

    def _submit(self) -> None:
        if self.decide_button.isEnabled():
            self.decide_button.setEnabled(False)
            self.submitted.emit(self.note.toPlainText())

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)
        self.decide_button.setEnabled(True)
