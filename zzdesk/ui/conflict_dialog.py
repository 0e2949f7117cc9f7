"""「保存冲突」: someone else saved the record after this form was loaded; the user decides what happens.

Shows the other person's change (who, when, each field old → new) and offers 重新载入 (discard mine and show
theirs), 保留我的修改 (overwrite theirs on purpose; the audit trail records it as an overwrite) or 取消 (back to
the form, nothing saved, nothing lost). Forms call ``resolve`` with what each choice means for them.
"""

from collections.abc import Callable
from enum import Enum
from html import escape

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from zzdesk.domain.errors import ConflictError


def tr(text: str) -> str:
    return QCoreApplication.translate("ConflictDialog", text)


class ConflictChoice(Enum):
    RELOAD = "reload"
    OVERWRITE = "overwrite"
    CANCEL = "cancel"


def _when(error: ConflictError) -> str:
    return error.changed_at.astimezone().strftime("%Y-%m-%d %H:%M") if error.changed_at else ""


def conflict_html(error: ConflictError) -> str:
    """Their change as a small table (项目 | 原内容 | 对方改为), or the record's current values if unknown."""
    cell = "padding:3px 10px 3px 0"
    if error.changes:
        head = (f"<tr><th align='left' style='{cell}'>{escape(tr('项目'))}</th>"
                f"<th align='left' style='{cell}'>{escape(tr('原内容'))}</th>"
                f"<th align='left' style='{cell}'>{escape(tr('对方改为'))}</th></tr>")
        rows = "".join(f"<tr><td style='{cell};color:#555'>{escape(label)}</td><td style='{cell}'>{escape(old)}</td>"
                       f"<td style='{cell}'><b>{escape(new)}</b></td></tr>" for label, old, new in error.changes)
        title = tr("对方的修改")
    else:
        head = ""
        rows = "".join(f"<tr><td style='{cell};color:#555'>{escape(label)}</td><td style='{cell}'>{escape(value)}</td>"
                       "</tr>" for label, value in error.current)
        title = tr("当前保存的内容")
    return f"<p style='margin:0 0 4px 0'><b>{escape(title)}</b></p><table>{head}{rows}</table>"


class ConflictDialog(QDialog):
    """Modal; ``choice`` says what the user picked (取消 when the dialog is closed any other way)."""

    def __init__(self, error: ConflictError, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.error = error
        self.choice = ConflictChoice.CANCEL
        self.setWindowTitle(tr("保存冲突"))
        self.setMinimumWidth(520)
        record = error.record or tr("这条记录")
        if error.changed_by:
            intro = tr("{}在您打开表单之后修改并保存了{}（{}）。您的修改尚未保存。").format(
                error.changed_by, record, _when(error))
        else:
            intro = tr("{}在您打开表单之后已被其他人修改。您的修改尚未保存。").format(record)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        self.intro.setTextFormat(Qt.TextFormat.PlainText)
        self.details = QTextBrowser()
        self.details.setHtml(conflict_html(error))
        self.details.setMinimumHeight(140)
        self.hint = QLabel(tr("重新载入：放弃您的修改，显示对方保存后的内容。\n"
                              "保留我的修改：用您的内容覆盖对方的修改，审计日志会记下这次覆盖。\n"
                              "取消：回到表单，暂不保存。"))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color:#555")
        self.buttons = QDialogButtonBox()
        self.reload_button = self._button(tr("重新载入"), ConflictChoice.RELOAD, QDialogButtonBox.ButtonRole.ResetRole)
        self.overwrite_button = self._button(tr("保留我的修改"), ConflictChoice.OVERWRITE,
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self._button(tr("取消"), ConflictChoice.CANCEL, QDialogButtonBox.ButtonRole.RejectRole)
        self.cancel_button.setDefault(True)  # Enter loses nothing
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

    def _button(self, text: str, choice: ConflictChoice, role: QDialogButtonBox.ButtonRole) -> QPushButton:
        button = self.buttons.addButton(text, role)
        button.setAutoDefault(False)
        button.clicked.connect(lambda: self._choose(choice))
        return button

    def _choose(self, choice: ConflictChoice) -> None:
        self.choice = choice
        if choice is ConflictChoice.CANCEL:
            self.reject()
        else:
            self.accept()


def ask(parent: QWidget | None, error: ConflictError) -> ConflictChoice:
    dialog = ConflictDialog(error, parent)
    dialog.exec()
    return dialog.choice


def resolve(parent: QWidget | None, error: ConflictError, reload: Callable[[], None],
            overwrite: Callable[[], None], cancel: Callable[[], None] | None = None) -> ConflictChoice:
    """Ask, then do what the choice means for the calling form."""
    choice = ask(parent, error)
    action = {ConflictChoice.RELOAD: reload, ConflictChoice.OVERWRITE: overwrite}.get(choice, cancel)
    if action is not None:
        action()
    return choice
