"""工作概况 page: light tiles, the two charts, what is late or due soon, and how each lead department stands.

The numbers come from ``services.dashboard`` on the worker; the charts are the bulletin's own figures.
"""

from collections.abc import Sequence
from types import ModuleType

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from zzdesk.domain.codes import sort_key
from zzdesk.domain.errors import DomainError
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.domain.vocabulary import Light
from zzdesk.services import dashboard
from zzdesk.services.context import ServiceContext
from zzdesk.services.dashboard import DashboardData, DueItem
from zzdesk.ui.chart_view import ChartView
from zzdesk.ui.lights import LIGHT_COLORS, light_icon, light_label
from zzdesk.ui.list_table_model import Column, ListTableModel
from zzdesk.ui.worker import DatabaseWorker

Index = QModelIndex | QPersistentModelIndex
TILE_LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.NONE)
CHART_MIN_HEIGHT = 280


def tr(text: str) -> str:
    return QCoreApplication.translate("DashboardPage", text)


def _charts() -> ModuleType:
    """The chart functions the PDF uses too; imported on the worker that draws the first chart, because importing
    matplotlib takes most of a second that the main window's first paint would otherwise wait for."""
    from zzdesk.reports import charts

    return charts


def _lead(item: DueItem) -> str:
    return item.lead or tr("未分配")


def _due_columns(days_title: str, days_tip: str) -> list[Column]:
    return [
        Column(tr("编号"), lambda i: i.code, lambda i: sort_key(i.code), icon=lambda i: light_icon(i.light)),
        Column(tr("举措/任务"), lambda i: chinese_punctuation(i.title), lambda i: i.title,
               tooltip=lambda i: chinese_punctuation(i.title)),
        Column(tr("牵头单位"), _lead, _lead, tooltip=_lead),
        Column(tr("完成时限"), lambda i: i.deadline.isoformat(), lambda i: i.deadline),
        Column(days_title, lambda i: str(i.days), lambda i: i.days, numeric=True, header_tip=days_tip),
    ]


def _department_columns() -> list[Column]:
    def count(attribute: str, title: str, tip: str) -> Column:
        return Column(title, lambda d: str(getattr(d, attribute)), lambda d: getattr(d, attribute), True, tip)

    return [
        Column(tr("牵头单位"), lambda d: d.name, lambda d: d.name, tooltip=lambda d: d.name),
        count("led", tr("牵头事项"), tr("作为牵头单位的举措和具体任务数")),
        count("completed", tr("已完成"), tr("状态为已完成的事项数")),
        count("completed_on_time", tr("按期完成"), tr("已完成，且报送完成的月份不晚于完成时限所在月份")),
        count("late", tr("超期"), tr("已过完成时限仍未完成的事项数")),
        count("reports_missing", tr("未报送"), tr("最近一期应报送而未报送的事项数")),
    ]


def _table(model: ListTableModel, stretch: Sequence[int]) -> QTableView:
    """Other columns fit their contents: codes, names and dates are never cut."""
    view = QTableView()
    view.setModel(model)
    view.setSortingEnabled(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setMinimumSectionSize(20)
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    for column in stretch:
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
    return view


# --- tiles ------------------------------------------------------------------------------------------
class Tile(QFrame):
    """A big number with its light: 「红灯 11」, and how many of them are measures."""

    def __init__(self, title: str, light: Light | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        accent = LIGHT_COLORS[light] if light else "#444444"
        self.setObjectName("tile")
        self.setStyleSheet(f"#tile {{ background: white; border: 1px solid #d4d4d4; border-left: 5px solid {accent};"
                           " border-radius: 4px; }")
        name = QLabel(title)
        heading = QHBoxLayout()
        heading.setSpacing(6)
        if light is not None:
            icon = QLabel()
            icon.setPixmap(light_icon(light).pixmap(14, 14))
            heading.addWidget(icon)
        heading.addWidget(name)
        heading.addStretch(1)
        self.number = QLabel("—")
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.2)
        big.setBold(True)
        self.number.setFont(big)
        self.caption = QLabel()
        self.caption.setStyleSheet("color: #666666;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(2)
        layout.addLayout(heading)
        layout.addWidget(self.number)
        layout.addWidget(self.caption)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_count(self, count: int, measures: int) -> None:
        self.number.setText(str(count))
        self.caption.setText(tr("其中举措 {} 项").format(measures))


# --- the page ---------------------------------------------------------------------------------------
class DashboardPage(QWidget):
    """Emits ``task_activated(code)`` when a row of the overdue or due-soon list is double-clicked (or Enter)."""

    task_activated = Signal(str)

    def __init__(self, ctx: ServiceContext, worker: DatabaseWorker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.worker = ctx, worker
        self.data: DashboardData | None = None

        title = QLabel(tr("工作概况"))
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.5)
        title_font.setBold(True)
        title.setFont(title_font)
        self.as_of = QLabel()
        self.as_of.setStyleSheet("color: #666666;")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e;")
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        heading = QHBoxLayout()
        heading.addWidget(title)
        heading.addSpacing(12)
        heading.addWidget(self.as_of, 0, Qt.AlignmentFlag.AlignBottom)
        heading.addStretch(1)

        self.total_tile = Tile(tr("台账事项合计"), None)
        self.tiles = {light: Tile(light_label(light), light) for light in TILE_LIGHTS}
        tiles = QGridLayout()
        tiles.setHorizontalSpacing(10)
        for column, tile in enumerate((self.total_tile, *self.tiles.values())):
            tiles.addWidget(tile, 0, column)

        self.group_chart = ChartView(worker, CHART_MIN_HEIGHT)
        self.split_chart = ChartView(worker, CHART_MIN_HEIGHT)

        self.overdue_model = ListTableModel(_due_columns(tr("超期天数"), tr("已超过完成时限的天数")), self)
        self.due_soon_model = ListTableModel(_due_columns(tr("剩余天数"), tr("距完成时限的天数，0 表示今天到期")), self)
        self.department_model = ListTableModel(_department_columns(), self)
        self.overdue_table = _table(self.overdue_model, stretch=(1,))
        self.due_soon_table = _table(self.due_soon_model, stretch=(1,))
        self.department_table = _table(self.department_model, stretch=(1, 2, 3, 4, 5))
        self.overdue_table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        self.due_soon_table.sortByColumn(4, Qt.SortOrder.AscendingOrder)
        self.department_table.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        for table in (self.overdue_table, self.due_soon_table):
            table.activated.connect(self._on_activated)
        self.overdue_box = self._box(self.overdue_table)
        self.due_soon_box = self._box(self.due_soon_table)
        self.department_box = self._box(self.department_table)

        # Left: by group, then the lists (full width, so titles stay readable); right: overall, then departments.
        left = self._splitter(Qt.Orientation.Vertical, (self.group_chart, self.overdue_box, self.due_soon_box),
                              (300, 230, 230))
        right = self._splitter(Qt.Orientation.Vertical, (self.split_chart, self.department_box), (300, 460))
        body = self._splitter(Qt.Orientation.Horizontal, (left, right), (820, 600))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(heading)
        layout.addWidget(self.error)
        layout.addLayout(tiles)
        layout.addWidget(body, 1)
        self.setTabOrder(self.overdue_table, self.due_soon_table)
        self.setTabOrder(self.due_soon_table, self.department_table)
        self._show_titles(None)

    @staticmethod
    def _splitter(orientation: Qt.Orientation, widgets: Sequence[QWidget], sizes: Sequence[int]) -> QSplitter:
        splitter = QSplitter(orientation)
        for widget in widgets:
            splitter.addWidget(widget)
        splitter.setSizes(list(sizes))
        splitter.setChildrenCollapsible(False)
        return splitter

    @staticmethod
    def _box(table: QTableView) -> QGroupBox:
        box = QGroupBox()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(table)
        return box

    # --- data ---------------------------------------------------------------------------------------
    def reload(self) -> None:
        ctx = self.ctx
        self.worker.run(lambda: dashboard.dashboard(ctx), self.show_data, self._show_error)

    def show_data(self, data: DashboardData) -> None:
        self.data = data
        self.error.setVisible(False)
        self.as_of.setText(tr("数据截至 {}").format(data.as_of.isoformat()))
        self.total_tile.show_count(data.rows.total, data.measures.total)
        for light, tile in self.tiles.items():
            tile.show_count(data.rows.light(light), data.measures.light(light))
        self.group_chart.show_chart(lambda size: _charts().status_by_group_chart(data, size=size))
        self.split_chart.show_chart(lambda size: _charts().light_split_chart(data, size=size))
        self.overdue_model.set_rows(data.overdue)
        self.due_soon_model.set_rows(data.due_soon)
        self.department_model.set_rows(data.departments)
        self._show_titles(data)

    def _show_titles(self, data: DashboardData | None) -> None:
        if data is None:
            self.overdue_box.setTitle(tr("已超期"))
            self.due_soon_box.setTitle(tr("即将到期"))
            self.department_box.setTitle(tr("各牵头单位情况"))
            return
        hint = tr("（双击查看）")
        self.overdue_box.setTitle(tr("已超期 {} 项").format(len(data.overdue)) + (hint if data.overdue else ""))
        self.due_soon_box.setTitle(tr("{} 天内到期 {} 项").format(data.due_soon_days, len(data.due_soon))
                                   + (hint if data.due_soon else ""))
        self.department_box.setTitle(tr("各牵头单位情况（{} 个单位）").format(len(data.departments)))

    def _show_error(self, error: DomainError) -> None:
        self.error.setText(error.message)
        self.error.setVisible(True)

    def _on_activated(self, index: QModelIndex) -> None:
        model = index.model()
        if isinstance(model, ListTableModel):
            item = model.row_at(index.row())
            if item is not None:
                self.task_activated.emit(item.code)
