"""A searchable multi-select of departments for 配合单位: type to narrow, tick to choose."""

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget


def tr(text: str) -> str:
    return QCoreApplication.translate("CoDepartmentPicker", text)


class CoDepartmentPicker(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setPlaceholderText(tr("输入名称筛选单位"))
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(120)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        layout.addWidget(self.summary)
        self.search.textChanged.connect(self._narrow)
        self.list.itemChanged.connect(self._on_item_changed)

    def set_departments(self, names: list[str], chosen: tuple[str, ...]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        ordered = list(chosen) + [n for n in names if n not in chosen]  # chosen first, in their order
        for name in ordered:
            item = QListWidgetItem(name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._narrow(self.search.text())
        self._update_summary()

    def chosen(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def _narrow(self, text: str) -> None:
        needle = text.strip()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text())

    def _on_item_changed(self, _item: QListWidgetItem) -> None:
        self._update_summary()
        self.changed.emit()

    def _update_summary(self) -> None:
        chosen = self.chosen()
        self.summary.setText(tr("已选 {} 个：{}").format(len(chosen), "、".join(chosen)) if chosen
                             else tr("未选择配合单位"))
