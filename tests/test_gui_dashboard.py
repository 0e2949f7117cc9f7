"""The 工作概况 page, offscreen: tiles, charts, lists and the department table show what the ledger holds."""

from collections import Counter

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QTableView

from conftest import TODAY, make_context
from zzdesk.domain.vocabulary import Light, Status
from zzdesk.services import demo, ledger
from zzdesk.ui.app import create_application
from zzdesk.ui.dashboard import DashboardPage
from zzdesk.ui.worker import DatabaseWorker


@pytest.fixture
def demo_ctx(ctx):
    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def page(qtbot, demo_ctx) -> DashboardPage:
    create_application()
    widget = DashboardPage(demo_ctx, DatabaseWorker(synchronous=True))
    qtbot.addWidget(widget)
    widget.resize(1440, 900)
    widget.show()
    widget.reload()
    return widget


def _rows(ctx):
    return [t for g in ledger.plan_view(ctx).groups for m in g.measures for t in (m, *m.items)]


def _column(view: QTableView, column: int) -> list[str]:
    model = view.model()
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_tiles_show_the_ledger_counts_after_reload(page, demo_ctx):
    rows = _rows(demo_ctx)
    lights = Counter(t.light for t in rows)
    measure_lights = Counter(t.light for t in rows if t.kind == "measure")
    assert page.total_tile.number.text() == str(len(rows))
    for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.NONE):
        tile = page.tiles[light]
        assert tile.number.text() == str(lights[light])
        assert tile.caption.text() == f"其中举措 {measure_lights[light]} 项"
    assert page.as_of.text() == f"数据截至 {TODAY.isoformat()}"
    assert not page.error.isVisible()


def test_the_overdue_and_due_soon_lists(page, demo_ctx):
    rows = _rows(demo_ctx)
    late = [t for t in rows if t.deadline and t.deadline < TODAY and t.status is not Status.COMPLETED]
    worst = max(late, key=lambda t: TODAY - t.deadline)
    assert page.overdue_model.rowCount() == len(late)
    assert page.overdue_box.title() == f"已超期 {len(late)} 项（双击查看）"
    assert _column(page.overdue_table, 0)[0] == worst.code
    assert _column(page.overdue_table, 4)[0] == str((TODAY - worst.deadline).days)
    days_left = [int(text) for text in _column(page.due_soon_table, 4)]
    assert days_left == sorted(days_left) and all(0 <= d <= 30 for d in days_left) and days_left
    assert page.due_soon_box.title().startswith(f"30 天内到期 {len(days_left)} 项")


def test_double_click_on_a_list_row_asks_to_show_that_task(page, qtbot):
    view = page.overdue_table
    code = view.model().index(1, 0).data()
    rect = view.visualRect(view.model().index(1, 1))
    with qtbot.waitSignal(page.task_activated, timeout=2000) as signal:
        # A real double-click starts with a press; QTest's double-click event alone does not carry one.
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert signal.args == [code]
    view = page.due_soon_table
    view.setFocus()
    view.setCurrentIndex(view.model().index(0, 0))
    with qtbot.waitSignal(page.task_activated, timeout=2000) as signal:
        qtbot.keyClick(view, Qt.Key.Key_Return)
    assert signal.args == [view.model().index(0, 0).data()]


def test_department_table_is_sorted_by_late_and_sortable_by_name(page, demo_ctx):
    rows = _rows(demo_ctx)
    led = Counter(t.lead for t in rows if t.lead)
    table = page.department_table
    assert page.department_model.rowCount() == len(led)
    names = _column(table, 0)
    assert {name: int(count) for name, count in zip(names, _column(table, 1), strict=True)} == dict(led)
    late = [int(text) for text in _column(table, 4)]
    assert late == sorted(late, reverse=True) and late[0] > 0
    headers = [table.model().headerData(c, Qt.Orientation.Horizontal) for c in range(table.model().columnCount())]
    assert headers == ["牵头单位", "牵头事项", "已完成", "按期完成", "超期", "未报送"]
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert _column(table, 0) == sorted(names)
    table.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert _column(table, 0)[0] == led.most_common(1)[0][0]


def test_both_charts_are_drawn_on_the_page(page, demo_ctx):
    rows = _rows(demo_ctx)
    group_axes = page.group_chart.figure.axes[0]
    split_axes = page.split_chart.figure.axes[0]
    assert sum(p.get_width() for p in group_axes.patches if (p.get_gid() or "").startswith("bar:")) == len(rows)
    assert len([p for p in split_axes.patches if (p.get_gid() or "").startswith("bar:")]) == 5
    pixmap = page.split_chart.pixmap()
    assert page.split_chart.isVisible() and not pixmap.isNull() and page.split_chart.width() > 300
    assert abs(pixmap.width() / pixmap.devicePixelRatio() - page.split_chart.width()) <= 2  # drawn at its size
    first = page.group_chart.figure
    page.reload()
    assert page.group_chart.figure is not first


def test_a_database_without_a_plan_shows_the_reason_on_the_page(qtbot, database):
    create_application()
    widget = DashboardPage(make_context(database), DatabaseWorker(synchronous=True))
    qtbot.addWidget(widget)
    widget.show()
    widget.reload()
    assert widget.error.isVisible() and "还没有规划" in widget.error.text()
    assert widget.total_tile.number.text() == "—"
    assert widget.overdue_model.rowCount() == 0 and not widget.overdue_model.index(0, 0).isValid()
    assert widget.overdue_model.data(QModelIndex()) is None


def test_charts_are_drawn_off_the_gui_thread(qtbot, demo_ctx, monkeypatch):
    import threading

    from zzdesk.ui import chart_view

    threads: list[int] = []
    original = chart_view.render_chart

    def spy(*args, **kwargs):
        threads.append(threading.get_ident())
        return original(*args, **kwargs)

    monkeypatch.setattr(chart_view, "render_chart", spy)
    create_application()
    worker = DatabaseWorker()
    widget = DashboardPage(demo_ctx, worker)
    qtbot.addWidget(widget)
    widget.resize(1440, 900)
    widget.show()
    widget.reload()
    qtbot.waitUntil(lambda: not widget.group_chart.pixmap().isNull() and not widget.split_chart.pixmap().isNull(),
                    timeout=10_000)
    assert threads and threading.get_ident() not in threads
    worker.wait()
