"""A read-only table over a Python list of frozen rows, described by columns, sorted in Python.

The ledger, the review queue and the dashboard's lists all show rows this way; each column says how
its cell reads, sorts, aligns and explains itself.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon

Index = QModelIndex | QPersistentModelIndex
# data() runs thousands of times per repaint: compare against plain ints, not enum members.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_LEFT = int((Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter).value)


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    key: Callable[[Any], Any]
    numeric: bool = False
    header_tip: str = ""
    tooltip: Callable[[Any], str | None] | None = None
    icon: Callable[[Any], QIcon | None] | None = None
    color: Callable[[Any], str | None] | None = None


class ListTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._aligns = [_RIGHT if column.numeric else _LEFT for column in self._columns]
        self._rows: list[Any] = []
        self._sort: tuple[int, Qt.SortOrder] | None = None  # None: the order the rows were given in

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = self._sorted(rows)
        self.endResetModel()

    def _sorted(self, rows: Sequence[Any]) -> list[Any]:
        if self._sort is None:
            return list(rows)
        column, order = self._sort
        return sorted(rows, key=self._columns[column].key, reverse=order == Qt.SortOrder.DescendingOrder)

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if not index.isValid():
            return None
        if role == _DISPLAY:
            return self._columns[index.column()].text(self._rows[index.row()])
        if role == _ALIGN:
            return self._aligns[index.column()]
        column = self._columns[index.column()]
        if role == _DECORATION and column.icon is not None:
            return column.icon(self._rows[index.row()])
        if role == _TOOLTIP and column.tooltip is not None:
            return column.tooltip(self._rows[index.row()])
        if role == _FOREGROUND and column.color is not None:
            color = column.color(self._rows[index.row()])
            return QColor(color) if color else None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].header_tip:
            return self._columns[section].header_tip
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order) if column >= 0 else None
        self.set_rows(self._rows)
