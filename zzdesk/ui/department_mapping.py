"""对应单位: a 任务分解表 names departments the directory lacks (a short name, an old name, a typo).

For each such name the clerk picks the directory's department it means, from a searchable list; one check box adds
every name left unmapped to the directory as a new department. The preview is then run again with these choices,
so the clerk sees the result before anything is written.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

ERROR_COLOR = "#c0392b"


def tr(text: str) -> str:
    return QCoreApplication.translate("DepartmentMapping", text)


@dataclass(frozen=True)
class ImportChoices:
    """What the clerk decided about departments the 任务分解表 names but the directory lacks."""

    mapping: Mapping[str, str] = field(default_factory=dict)  # name in the file → existing department
    create_departments: bool = False  # add the names left unmapped to the directory


def suggest(name: str, existing: Sequence[str]) -> str:
    """The one directory name that contains ``name`` or is contained in it (「科技局」 → 「市科技局」); else ""."""
    core = name.strip()
    if not core:
        return ""
    found = [known for known in existing if core in known or known in core]
    return found[0] if len(found) == 1 else ""


def searchable_combo(names: Sequence[str], hint: str, parent: QWidget) -> QComboBox:
    """An editable combo whose completer finds a name by any part of it."""
    combo = QComboBox(parent)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    combo.addItems(list(names))
    combo.setCurrentIndex(-1)
    combo.lineEdit().setPlaceholderText(hint)  # the grey text shown while the box is empty
    combo.lineEdit().setClearButtonEnabled(True)
    completer = QCompleter(QStringListModel(list(names), combo), combo)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    return combo


class DepartmentMappingDialog(QDialog):
    """Emits ``chosen(ImportChoices)`` when the clerk confirms; nothing is written by this dialog."""

    chosen = Signal(object)

    def __init__(self, unknown: Sequence[str], existing: Sequence[str], current: ImportChoices,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("对应单位"))
        self.existing = list(existing)
        intro = QLabel(tr("文件中的以下单位不在单位名录中。请为每个名称选择名录中对应的单位；"
                          "不选择的名称，可以勾选下方选项作为新单位加入名录，否则这些行不会导入。"))
        intro.setWordWrap(True)
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.combos: dict[str, QComboBox] = {}
        for name in unknown:
            combo = searchable_combo(self.existing, tr("不对应（输入名称查找）"), form_widget)
            combo.setEditText(current.mapping.get(name) or suggest(name, self.existing))
            combo.setMinimumWidth(260)
            label = QLabel(tr("“{}”对应：").format(name))
            label.setTextFormat(Qt.TextFormat.PlainText)
            form.addRow(label, combo)
            self.combos[name] = combo
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_widget)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.create_box = QCheckBox(tr("新建未对应的单位(&N)"))
        self.create_box.setChecked(current.create_departments)
        self.create_box.setToolTip(tr("把没有对应的名称作为新单位加入单位名录（可在“管理 → 单位名录”中修改）"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setStyleSheet(f"color:{ERROR_COLOR}")
        self.error.setVisible(False)
        self.buttons = QDialogButtonBox()
        self.ok_button = self.buttons.addButton(tr("重新检查(&R)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setToolTip(tr("按这些对应关系重新检查文件，确认后才会导入"))
        self.buttons.addButton(tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.confirm)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.create_box)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(520, min(520, 200 + 40 * len(self.combos)))

    def choices(self) -> ImportChoices:
        mapping = {name: combo.currentText().strip() for name, combo in self.combos.items()
                   if combo.currentText().strip()}
        return ImportChoices(mapping=mapping, create_departments=self.create_box.isChecked())

    def confirm(self) -> None:
        """A typed name must be one of the directory's; say which one is not, and stay open."""
        known = set(self.existing)
        wrong = [target for target in self.choices().mapping.values() if target not in known]
        if wrong:
            self.error.setText(tr("“{}”不在单位名录中，请从列表中选择，或清空该项").format(wrong[0]))
            self.error.setVisible(True)
            return
        self.chosen.emit(self.choices())
        self.accept()
