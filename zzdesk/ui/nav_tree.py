"""The navigation tree: plan → task groups → measures → work items, each with its light and counts."""

from PySide6.QtCore import QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView, QWidget

from zzdesk.domain.light_summary import count_lights
from zzdesk.domain.plan_parser import numeral_text
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.services.views import PlanView, TaskView
from zzdesk.ui.lights import light_icon

SCOPE_ROLE = Qt.ItemDataRole.UserRole + 1  # ("all", "") | ("group", "3") | ("task", "3.2")


def tr(text: str) -> str:
    return QCoreApplication.translate("NavTree", text)


def _row(item: QStandardItem, counts: str) -> list[QStandardItem]:
    """A tree row: the name (elided when narrow) and its counts in a column of their own, always readable."""
    count_item = QStandardItem(counts)
    count_item.setForeground(QColor("#555555"))
    return [item, count_item]


def _task_row(task: TaskView) -> list[QStandardItem]:
    item = QStandardItem(light_icon(task.light), f"{task.code} {task.title}")
    item.setData(("task", task.code), SCOPE_ROLE)
    item.setToolTip("；".join(task.light_reasons) or task.title)
    for child in task.items:
        item.appendRow(_task_row(child))
    return _row(item, count_lights(i.light for i in task.items).text() if task.items else "")


class NavTree(QTreeView):
    """Emits ``scope_selected(kind, code)`` when the clerk picks the whole plan, a group or a task."""

    scope_selected = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        self.setHeaderHidden(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setUniformRowHeights(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.selectionModel().currentChanged.connect(self._on_current)

    def show_plan(self, plan: PlanView) -> None:
        selected = self.current_scope()
        self._model.clear()
        all_tasks = [t for g in plan.groups for m in g.measures for t in (m, *m.items)]
        root = QStandardItem(tr("全部"))
        root.setData(("all", ""), SCOPE_ROLE)
        for group in plan.groups:
            tasks = [t for m in group.measures for t in (m, *m.items)]
            item = QStandardItem(f"（{numeral_text(int(group.code))}）{group.short_title}")
            item.setData(("group", group.code), SCOPE_ROLE)
            item.setToolTip(chinese_punctuation(group.title))
            for measure in group.measures:
                item.appendRow(_task_row(measure))
            root.appendRow(_row(item, count_lights(t.light for t in tasks).text()))
        self._model.appendRow(_row(root, count_lights(t.light for t in all_tasks).text()))
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.expand(root.index())
        self.select_scope(*selected)

    def current_scope(self) -> tuple[str, str]:
        scope = self.currentIndex().siblingAtColumn(0).data(SCOPE_ROLE)
        return tuple(scope) if scope else ("all", "")  # type: ignore[return-value]

    def select_scope(self, kind: str, code: str) -> None:
        match = self._find(self._model.invisibleRootItem().index(), (kind, code))
        self.setCurrentIndex(match if match is not None else self._model.index(0, 0))

    def _find(self, parent: QModelIndex, scope: tuple[str, str]) -> QModelIndex | None:
        for row in range(self._model.rowCount(parent)):
            index = self._model.index(row, 0, parent)
            if tuple(index.data(SCOPE_ROLE) or ()) == scope:
                return index
            found = self._find(index, scope)
            if found is not None:
                return found
        return None

    def _on_current(self, current: QModelIndex, _previous: QModelIndex) -> None:
        scope = current.siblingAtColumn(0).data(SCOPE_ROLE)
        if scope:
            self.scope_selected.emit(*scope)
