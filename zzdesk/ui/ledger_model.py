"""The ledger (台账) table: all rows held in Python lists, filtered and sorted there, shown by a Qt model.

Filtering and sorting whole lists in Python is far cheaper than a QSortFilterProxyModel calling back into
Python once per row, which keeps typing in the filter box smooth on 100,000 rows.
"""

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from zzdesk.domain.codes import sort_key
from zzdesk.services.ledger_filter import LedgerFilter, filter_tasks
from zzdesk.services.views import TaskView
from zzdesk.ui.lights import SEVERITY, light_icon, light_label

Index = QModelIndex | QPersistentModelIndex


def _percent(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def _deadline_key(task: TaskView) -> tuple[int, date]:
    if task.deadline is not None:
        return 0, task.deadline
    return (1, date.max) if task.ongoing else (2, date.max)


class Column:
    def __init__(self, title: str, text: Callable[[TaskView], str], key: Callable[[TaskView], Any],
                 align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft) -> None:
        self.title, self.text, self.key, self.align = title, text, key, align


def _columns(tr: Callable[[str], str]) -> list[Column]:
    right = Qt.AlignmentFlag.AlignRight
    return [
        Column(tr("编号"), lambda t: t.code, lambda t: sort_key(t.code)),
        Column(tr("举措/任务"), lambda t: t.title, lambda t: t.title),
        Column(tr("牵头单位"), lambda t: t.lead or "", lambda t: t.lead or "\uffff"),
        Column(tr("配合单位"), lambda t: "、".join(t.co), lambda t: "、".join(t.co) or "\uffff"),
        Column(tr("责任领导"), lambda t: t.leader, lambda t: t.leader or "\uffff"),
        Column(tr("完成时限"), lambda t: t.deadline_text or "", _deadline_key),
        Column(tr("状态"), lambda t: t.status_label, lambda t: t.status_label or "\uffff"),
        Column(tr("进度"), lambda t: _percent(t.progress), lambda t: -1 if t.progress is None else t.progress, right),
        Column(tr("序时进度"), lambda t: _percent(t.expected_progress),
               lambda t: -1 if t.expected_progress is None else t.expected_progress, right),
        Column(tr("灯"), lambda t: light_label(t.light), lambda t: SEVERITY[t.light]),
        Column(tr("最近报送"), lambda t: t.last_period or "", lambda t: t.last_period or ""),
    ]


LIGHT_COLUMN = 9
TITLE_COLUMN = 1


class LedgerModel(QAbstractTableModel):
    def __init__(self, tr: Callable[[str], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._columns = _columns(tr)
        self._all: list[TaskView] = []
        self._shown: list[TaskView] = []
        self._filter = LedgerFilter()
        self._today = date.today()
        self._sort: tuple[int, Qt.SortOrder] = (0, Qt.SortOrder.AscendingOrder)

    # --- data in ---------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[TaskView], today: date) -> None:
        self._all, self._today = list(rows), today
        self._refresh()

    def set_filter(self, flt: LedgerFilter) -> None:
        self._filter = flt
        self._refresh()

    def _refresh(self) -> None:
        self.beginResetModel()
        shown = filter_tasks(self._all, self._filter, self._today)
        column, order = self._sort
        shown.sort(key=self._columns[column].key, reverse=order == Qt.SortOrder.DescendingOrder)
        self._shown = shown
        self.endResetModel()

    # --- Qt model ---------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        task, column = self._shown[index.row()], self._columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(task)
        if role == Qt.ItemDataRole.DecorationRole and index.column() == LIGHT_COLUMN:
            return light_icon(task.light)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            if index.column() == LIGHT_COLUMN:
                return "；".join(task.light_reasons) or light_label(task.light)
            if index.column() == TITLE_COLUMN:
                return task.text
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].title
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (column, order)
        self._refresh()

    # --- for the window -----------------------------------------------------------------------------
    def task_at(self, row: int) -> TaskView | None:
        return self._shown[row] if 0 <= row < len(self._shown) else None

    def row_of(self, code: str) -> int | None:
        return next((row for row, task in enumerate(self._shown) if task.code == code), None)

    def shown_count(self) -> int:
        return len(self._shown)

    def total_count(self) -> int:
        return len(self._all)
