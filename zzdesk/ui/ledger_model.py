"""The ledger (台账) table: all rows held in Python lists, filtered and sorted there, shown by a Qt model.

Filtering and sorting whole lists in Python is far cheaper than a QSortFilterProxyModel calling back into
Python once per row, which keeps typing in the filter box smooth on 100,000 rows.
"""

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import QObject, Qt

from zzdesk.domain.codes import sort_key
from zzdesk.services.ledger_filter import LedgerFilter, filter_tasks
from zzdesk.services.views import TaskView
from zzdesk.ui.lights import SEVERITY, light_icon, light_label
from zzdesk.ui.list_table_model import Column, ListTableModel


def _percent(value: int | None) -> str:
    return "" if value is None else f"{value}%"


def _deadline_key(task: TaskView) -> tuple[int, date]:
    if task.deadline is not None:
        return 0, task.deadline
    return (1, date.max) if task.ongoing else (2, date.max)


def _columns(tr: Callable[[str], str]) -> list[Column]:
    return [
        Column(tr("编号"), lambda t: t.code, lambda t: sort_key(t.code)),
        Column(tr("举措/任务"), lambda t: t.title, lambda t: t.title, tooltip=lambda t: t.text),
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


class LedgerModel(ListTableModel):
    def __init__(self, tr: Callable[[str], str], parent: QObject | None = None) -> None:
        super().__init__(_columns(tr), parent)
        self._all: list[TaskView] = []
        self._filter = LedgerFilter()
        self._today = date.today()
        self._sort = (0, Qt.SortOrder.AscendingOrder)

    def set_ledger(self, rows: Sequence[TaskView], today: date) -> None:
        """The whole ledger; what shows is what passes the current filter."""
        self._all, self._today = list(rows), today
        self.set_rows(filter_tasks(self._all, self._filter, self._today))

    def set_filter(self, flt: LedgerFilter) -> None:
        self._filter = flt
        self.set_rows(filter_tasks(self._all, self._filter, self._today))

    def task_at(self, row: int) -> TaskView | None:
        return self.row_at(row)

    def row_of(self, code: str) -> int | None:
        return next((row for row, task in enumerate(self._rows) if task.code == code), None)

    def shown_count(self) -> int:
        return len(self._rows)

    def total_count(self) -> int:
        return len(self._all)
