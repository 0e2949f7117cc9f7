"""The filter bar above the ledger: free text, department, status, light, due within N days, overdue, missing."""

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QPushButton, QSpinBox, QWidget

from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.domain.vocabulary import LIGHT_LABELS, STATUS_LABELS, Light, Status
from zzdesk.services.ledger_filter import LedgerFilter
from zzdesk.ui import options
from zzdesk.ui.lights import light_icon

TYPING_PAUSE_MS = 150


def tr(text: str) -> str:
    return QCoreApplication.translate("FilterBar", text)


class FilterBar(QWidget):
    """Emits ``changed`` with the widgets' LedgerFilter; the tree's scope (group/measure) is added by the window."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QLineEdit()
        self.text.setPlaceholderText(tr("查找：编号、标题、原文、单位、领导（Ctrl+F）"))
        self.text.setClearButtonEnabled(True)
        self.department = QComboBox()
        self.department.setEditable(True)
        self.department.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.department.setMinimumContentsLength(10)
        self.department.lineEdit().setPlaceholderText(tr("全部单位"))
        self.status = QComboBox()
        self.status.addItem(tr("全部状态"), None)
        for status, label in STATUS_LABELS.items():
            self.status.addItem(label, status)
        self.light = QComboBox()
        self.light.addItem(tr("全部灯"), None)
        for light, label in LIGHT_LABELS.items():
            self.light.addItem(light_icon(light), label, light)
        self.due_within = QSpinBox()
        self.due_within.setRange(0, 365)
        self.due_within.setSpecialValueText(tr("到期：不限"))
        self.due_within.setPrefix(tr("到期："))
        self.due_within.setSuffix(tr(" 天内"))
        self.overdue = QCheckBox(tr("仅超期"))
        self.missing = QCheckBox(tr("本期未报送"))
        self.reset = QPushButton(tr("清除筛选"))
        self.own_only: QCheckBox | None = None  # a liaison's 只看本单位, see apply_role

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 3)
        for widget in (self.department, self.status, self.light, self.due_within, self.overdue, self.missing,
                       self.reset):
            layout.addWidget(widget)

        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.changed)
        self.text.textChanged.connect(self._typing.start)
        self.department.currentTextChanged.connect(self._typing.start)
        for combo in (self.status, self.light):
            combo.currentIndexChanged.connect(self.changed)
        self.due_within.valueChanged.connect(self.changed)
        for box in (self.overdue, self.missing):
            box.toggled.connect(self.changed)
        self.reset.clicked.connect(self.clear)

    def apply_role(self, user: CurrentUser) -> None:
        """A liaison gets 只看本单位, ticked: their department's items first, the whole ledger one click away."""
        if user.role is not Role.LIAISON or not user.department:
            return
        self.own_only = QCheckBox(tr("只看本单位"))
        self.own_only.setToolTip(tr("只显示{}牵头或配合的举措和具体任务").format(user.department))
        self.own_only.setChecked(True)
        self.layout().insertWidget(1, self.own_only)

    def set_departments(self, names: list[str]) -> None:
        current = self.department.currentText()
        self.department.blockSignals(True)
        self.department.clear()
        self.department.addItems(names)
        self.department.setCurrentIndex(-1)
        self.department.setEditText(current)
        self.department.blockSignals(False)

    def current_filter(self) -> LedgerFilter:
        # Qt hands enum data back as plain str.
        status = Status(self.status.currentData()) if self.status.currentData() else None
        light = Light(self.light.currentData()) if self.light.currentData() else None
        department = self.department.currentText().strip()
        return LedgerFilter(
            text=self.text.text(),
            department=department or None,
            statuses=frozenset({status}) if status else frozenset(),
            lights=frozenset({light}) if light else frozenset(),
            due_within_days=self.due_within.value() or None,
            overdue_only=self.overdue.isChecked(),
            report_missing_only=self.missing.isChecked(),
        )

    def clear(self) -> None:
        for widget in (self.text, self.department, self.status, self.light, self.due_within, self.overdue,
                       self.missing):
            widget.blockSignals(True)
        self.text.clear()
        self.department.setCurrentIndex(-1)
        self.department.setEditText("")
        self.status.setCurrentIndex(0)
        self.light.setCurrentIndex(0)
        self.due_within.setValue(0)
        self.overdue.setChecked(False)
        self.missing.setChecked(False)
        if self.own_only is not None:  # 清除筛选 shows the whole ledger, a liaison's too
            self.own_only.setChecked(False)
        for widget in (self.text, self.department, self.status, self.light, self.due_within, self.overdue,
                       self.missing):
            widget.blockSignals(False)
        self.changed.emit()

    def remember(self, settings: QSettings) -> None:
        options.FILTER_TEXT.write(settings, self.text.text())
        options.FILTER_DEPARTMENT.write(settings, self.department.currentText())
        options.FILTER_STATUS.write(settings, str(self.status.currentData() or ""))
        options.FILTER_LIGHT.write(settings, str(self.light.currentData() or ""))
        options.FILTER_DUE_WITHIN.write(settings, self.due_within.value())
        options.FILTER_OVERDUE.write(settings, self.overdue.isChecked())
        options.FILTER_MISSING.write(settings, self.missing.isChecked())

    def restore(self, settings: QSettings) -> None:
        """The filters as the user left them; the window applies them once the ledger is loaded."""
        self.text.setText(options.FILTER_TEXT.read(settings))
        self.department.setEditText(options.FILTER_DEPARTMENT.read(settings))
        self.status.setCurrentIndex(max(0, self.status.findData(options.FILTER_STATUS.read(settings) or None)))
        self.light.setCurrentIndex(max(0, self.light.findData(options.FILTER_LIGHT.read(settings) or None)))
        self.due_within.setValue(options.FILTER_DUE_WITHIN.read(settings))
        self.overdue.setChecked(options.FILTER_OVERDUE.read(settings))
        self.missing.setChecked(options.FILTER_MISSING.read(settings))

    def focus_text(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()
