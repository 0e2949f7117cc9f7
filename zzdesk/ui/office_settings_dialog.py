"""全局设置 dialog: the light thresholds and the words the reports print (发文机关, 落款, 报送, 抄送, 下步工作要求).

One form built from ``office_settings.SETTINGS``, so a setting declared there appears here with its label and
limits. Saving checks every field and writes them together, or none.
"""

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.errors import DomainError
from zzdesk.services import office_settings
from zzdesk.services.context import ServiceContext
from zzdesk.services.office_settings import SETTINGS, IntSetting, TextSetting, Value
from zzdesk.ui.worker import DatabaseWorker

ERROR_COLOR = "#c0392b"
SECTIONS = {"light": "红黄绿灯", "report": "报告（督查通报、督办单、催办通知、简报）",
            "backup": "数据安全"}  # by key prefix


def tr(text: str) -> str:
    return QCoreApplication.translate("OfficeSettingsDialog", text)


class OfficeSettingsDialog(QDialog):
    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.setWindowTitle(tr("全局设置"))
        self.resize(640, 560)
        self.fields: dict[str, QSpinBox | QLineEdit | QPlainTextEdit] = {}
        groups: dict[str, QFormLayout] = {}
        layout = QVBoxLayout(self)
        for setting in SETTINGS.values():
            prefix = setting.key.split(".")[0]
            if prefix not in groups:
                box = QGroupBox(tr(SECTIONS.get(prefix, prefix)))
                groups[prefix] = QFormLayout(box)
                layout.addWidget(box)
            field = self._field(setting)
            self.fields[setting.key] = field
            label = QLabel(tr(setting.label))
            label.setWordWrap(True)
            groups[prefix].addRow(label, field)
        note = QLabel(tr("这些设置保存在数据库中，使用同一数据库的所有电脑共用。"))
        note.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.defaults_button = QPushButton(tr("恢复默认值"))
        buttons.addButton(self.defaults_button, QDialogButtonBox.ButtonRole.ResetRole)
        buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.save_button.clicked.connect(self.save)
        self.defaults_button.clicked.connect(self.restore_defaults)
        buttons.rejected.connect(self.reject)
        layout.addWidget(note)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.worker.run(lambda: office_settings.current_values(ctx), self._show_values, self._show_error)

    @staticmethod
    def _field(setting: IntSetting | TextSetting) -> QSpinBox | QLineEdit | QPlainTextEdit:
        if isinstance(setting, IntSetting):
            spin = QSpinBox()
            spin.setRange(setting.minimum, setting.maximum)
            return spin
        if setting.multiline:
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setMinimumHeight(110)
            return edit
        line = QLineEdit()
        line.setMaxLength(setting.max_length)
        return line

    def _show_values(self, values: dict[str, Value]) -> None:
        for key, value in values.items():
            field = self.fields[key]
            if isinstance(field, QSpinBox):
                field.setValue(int(value))
            elif isinstance(field, QPlainTextEdit):
                field.setPlainText(str(value))
            else:
                field.setText(str(value))

    def values(self) -> dict[str, Value]:
        result: dict[str, Value] = {}
        for key, field in self.fields.items():
            if isinstance(field, QSpinBox):
                result[key] = field.value()
            elif isinstance(field, QPlainTextEdit):
                result[key] = field.toPlainText()
            else:
                result[key] = field.text()
        return result

    def restore_defaults(self) -> None:
        self._show_values({key: setting.default for key, setting in SETTINGS.items()})
        self._say(tr("已填入默认值，点「保存」后生效。"), "")

    def save(self) -> None:
        values = self.values()
        self.save_button.setEnabled(False)
        self.worker.run(lambda: office_settings.set_values(self.ctx, values), self._saved, self._show_error)

    def _saved(self, _values: dict[str, Value]) -> None:
        self.save_button.setEnabled(True)
        self.accept()

    def _show_error(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self._say(error.message, ERROR_COLOR)

    def _say(self, text: str, color: str) -> None:
        self.message.setStyleSheet(f"color: {color};" if color else "")
        self.message.setText(text)

    def message_text(self) -> str:
        return self.message.text()
