"""The ledger (台账) table: all rows held in Python lists, filtered and sorted there, shown by a Qt model.

Filtering and sorting whole lists in Python is far cheaper than a QSortFilterProxyModel calling back into
Python once per row, which keeps typing in the filter box smooth on 100,000 rows.
"""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

from PySide6.QtCore import QObject, Qt

from zzdesk.domain.codes import sort_key
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.services.ledger_filter import LedgerFilter, filter_tasks
from zzdesk.services.views import TaskView
from zzdesk.ui.lights import SEVERITY, light_icon, light_label
from zzdesk.ui.list_table_model import Column, ListTableModel


def _percent(value: int | None) -> str:
    return "" if value is None else f"{value}%"


_AFTER_ALL_DATES = date.max.toordinal()


def _deadline_key(task: TaskView) -> int:
    """Dates first, then 长期, then no deadline; an int sorts fastest."""
    if task.deadline is not None:
        return task.deadline.toordinal()
    return _AFTER_ALL_DATES + (1 if task.ongoing else 2)


def _columns(tr: Callable[[str], str]) -> list[Column]:
    return [
        Column(tr("编号"), lambda t: t.code, lambda t: sort_key(t.code)),
        Column(tr("举措/任务"), lambda t: chinese_punctuation(t.title), lambda t: t.title,
               tooltip=lambda t: chinese_punctuation(t.text)),
        Column(tr("牵头单位"), lambda t: t.lead or "", lambda t: t.lead or "\uffff"),
        Column(tr("配合单位"), lambda t: "、".join(t.co), lambda t: "、".join(t.co) or "\uffff",
               tooltip=lambda t: "、".join(t.co) or None),
        Column(tr("责任领导"), lambda t: t.leader, lambda t: t.leader or "\uffff"),
        Column(tr("完成时限"), lambda t: t.deadline_text or "", _deadline_key),
        Column(tr("状态"), lambda t: t.status_label, lambda t: t.status_label or "\uffff"),
        Column(tr("进度"), lambda t: _percent(t.progress), lambda t: -1 if t.progress is None else t.progress,
               numeric=True),
        Column(tr("序时进度"), lambda t: _percent(t.expected_progress),
               lambda t: -1 if t.expected_progress is None else t.expected_progress, numeric=True),
        Column(tr("灯"), lambda t: light_label(t.light), lambda t: SEVERITY[t.light],
               tooltip=lambda t: "；".join(t.light_reasons) or light_label(t.light),
               icon=lambda t: light_icon(t.light)),
        Column(tr("最近报送"), lambda t: t.last_period or "", lambda t: t.last_period or ""),
    ]


Orders = dict[tuple[int, Qt.SortOrder], list[TaskView]]
CODE_COLUMN = 0


def prepare_orders(rows: Sequence[TaskView], tr: Callable[[str], str] = str) -> Orders:
    """Every column's order, both ways, and each row's search text: worker-thread work, so that on the GUI
    thread a click on a header or a keystroke in the filter box never sorts or folds 100,000 rows."""
    for row in rows:
        _ = row.search_text
    orders: Orders = {}
    for index, column in enumerate(_columns(tr)):
        ascending = list(rows) if index == CODE_COLUMN else sorted(rows, key=column.key)  # rows come in code order
        orders[(index, Qt.SortOrder.AscendingOrder)] = ascending
        orders[(index, Qt.SortOrder.DescendingOrder)] = ascending[::-1]
    return orders


class LedgerModel(ListTableModel):
    """The whole ledger kept in every sort order; what shows is the current order, filtered."""

    def __init__(self, tr: Callable[[str], str], parent: QObject | None = None) -> None:
        super().__init__(_columns(tr), parent)
        self._all: list[TaskView] = []
        self._orders: Orders = {}
        self._filter = LedgerFilter()
        self._today = date.today()
        self._sort = (CODE_COLUMN, Qt.SortOrder.AscendingOrder)
        self._scope: Callable[[Sequence[TaskView]], frozenset[str]] | None = None  # a liaison's 只看本单位
        self._in_scope: frozenset[str] | None = None

    def set_ledger(self, rows: Sequence[TaskView], today: date, orders: Orders | None = None) -> None:
        """The ledger in code order; ``orders`` from ``prepare_orders`` on the worker, else sorted when asked."""
        self._all, self._today, self._orders = list(rows), today, dict(orders or {})
        self._in_scope = self._scope(self._all) if self._scope is not None else None
        self._show(filter_tasks(self._ordered(), self._filter, self._today))

    def set_filter(self, flt: LedgerFilter) -> None:
        old, self._filter = self._filter, flt
        # Typing one more character can only narrow what is shown: look only there.
        narrower = bool(old.text) and flt.text.startswith(old.text) and replace(old, text=flt.text) == flt
        self._show(filter_tasks(self._rows if narrower else self._ordered(), flt, self._today))

    def set_scope(self, scope: Callable[[Sequence[TaskView]], frozenset[str]] | None) -> None:
        """Show only the codes ``scope`` picks from the whole ledger (recomputed on each reload); None: all."""
        self._scope = scope
        self._in_scope = scope(self._all) if scope is not None else None
        self._show(filter_tasks(self._ordered(), self._filter, self._today))

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort = (max(column, CODE_COLUMN), order)
        self._show(filter_tasks(self._ordered(), self._filter, self._today))

    def _ordered(self) -> list[TaskView]:
        rows = self._orders.get(self._sort)
        if rows is None:
            column, order = self._sort
            rows = self._all if column == CODE_COLUMN else sorted(self._all, key=self._columns[column].key)
            if order == Qt.SortOrder.DescendingOrder:
                rows = rows[::-1]
            self._orders[self._sort] = rows
        return rows

    def _show(self, rows: list[TaskView]) -> None:
        if self._in_scope is not None:
            in_scope = self._in_scope
            rows = [row for row in rows if row.code in in_scope]
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def task_at(self, row: int) -> TaskView | None:
        return self.row_at(row)

    def row_of(self, code: str) -> int | None:
        return next((row for row, task in enumerate(self._rows) if task.code == code), None)

    def shown_count(self) -> int:
        return len(self._rows)

    def total_count(self) -> int:
        return len(self._all)
