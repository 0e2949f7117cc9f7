"""How the ledger (台账) feels at 1×, 10× and 100× the data: load, filter keystrokes, sorting and scrolling.

Run: ``python tests/benchmarks/bench_ledger.py [--scales 1,10,100] [--keep DIR] [--json FILE]``.
Scale 1 = the demo (42 ledger rows), 100 = 4,200 rows with ~190,000 status updates (see ``synthetic.py``).
With ``--keep DIR`` the databases are kept in DIR and reused by later runs; otherwise they live in a temp folder.
Not a pytest test (the file name does not start with ``test_``): it takes minutes and prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything loads Qt
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # so `tests.benchmarks` imports when run as a script

import PySide6
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QHeaderView, QTableView

from tests.benchmarks.common import load_average, load_text, machine, peak_rss_mb, summary
from tests.benchmarks.synthetic import build_database
from zzdesk.domain.vocabulary import Light
from zzdesk.services import ledger
from zzdesk.services.context import ServiceContext
from zzdesk.services.ledger_filter import LedgerFilter
from zzdesk.services.views import PlanView, TaskView
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target
from zzdesk.ui.app import create_application
from zzdesk.ui.ledger_model import LedgerModel, prepare_orders
from zzdesk.ui.main_window import COLUMN_WIDTHS

TODAY = date(2025, 11, 20)
CHINESE_QUERY = "郑东新区 轨道交通"
CODE_QUERY = "2.4.15"
SCROLL_STEPS = 200
# The product's targets at 100× (filter keystroke and sort from the issues; a frame at 60 Hz for scrolling).
TARGET_KEYSTROKE_MS = 50.0
TARGET_SORT_MS = 50.0
TARGET_SCROLL_MS = 16.0


def tr(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def flat_rows(plan: PlanView) -> list[TaskView]:
    """The ledger rows in the order the main window hands them to the model."""
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def prefixes(text: str) -> list[str]:
    """What the filter box holds after each keystroke: typing the text, then deleting it again."""
    typed = [text[:n] for n in range(1, len(text) + 1)]
    return typed + typed[-2::-1] + [""]


def ledger_table(model: LedgerModel) -> QTableView:
    """A table set up as the main window sets up its ledger table."""
    table = QTableView()
    table.setModel(model)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.horizontalHeader().setStretchLastSection(False)
    for column, width in enumerate(COLUMN_WIDTHS):
        table.setColumnWidth(column, width)
    table.resize(1440, 900)
    table.show()
    return table


def frame(table: QTableView) -> None:
    """Paint the whole table now, as the screen would show it, then let Qt handle what is still queued.

    In this order a frame is painted once: the repaint clears the region that the queued update would paint."""
    table.viewport().repaint()
    QApplication.processEvents()


class Timer:
    """Times model calls alone ("call") and the call plus the repaint the user waits for ("frame")."""

    def __init__(self, table: QTableView) -> None:
        self.table = table
        self.calls: dict[str, list[float]] = {}
        self.frames: dict[str, list[float]] = {}

    def measure(self, name: str, action: Callable[[], object]) -> None:
        started = time.perf_counter()
        action()
        called = time.perf_counter()
        frame(self.table)
        done = time.perf_counter()
        self.calls.setdefault(name, []).append((called - started) * 1000)
        self.frames.setdefault(name, []).append((done - started) * 1000)


def bench_filters(model: LedgerModel, table: QTableView,
                  rows: list[TaskView]) -> tuple[dict[str, dict[str, dict]], dict[str, str]]:
    """Typing (and deleting) queries one character at a time, then department and light filters."""
    departments = Counter(name for row in rows for name in ((row.lead,) if row.lead else ()) + row.co)
    busiest = [name for name, _ in departments.most_common()]
    synthetic = next((name for name in busiest if name.startswith("测试单位")), busiest[0])
    real = next(name for name in busiest if not name.startswith("测试单位"))
    queries = {"keystroke_chinese": CHINESE_QUERY, "keystroke_department": real,
               "keystroke_department_digits": synthetic, "keystroke_code": CODE_QUERY}
    timer = Timer(table)
    for name, query in queries.items():
        for text in prefixes(query):
            timer.measure(name, lambda text=text: model.set_filter(LedgerFilter(text=text)))
    for name in busiest[:10] + busiest[-5:]:
        timer.measure("department_filter", lambda name=name: model.set_filter(LedgerFilter(department=name)))
    for lights in ([light] for light in Light):
        timer.measure("light_filter", lambda lights=lights: model.set_filter(LedgerFilter(lights=frozenset(lights))))
    for lights in ({Light.RED, Light.YELLOW}, {Light.RED}):
        flt = LedgerFilter(text="轨道交通", lights=frozenset(lights), department=real)
        timer.measure("light_filter", lambda flt=flt: model.set_filter(flt))
    model.set_filter(LedgerFilter())
    frame(table)
    results = {name: {"call": summary(timer.calls[name]), "frame": summary(timer.frames[name])} for name in timer.calls}
    results["keystroke_all"] = {"call": summary([v for n in queries for v in timer.calls[n]]),
                                "frame": summary([v for n in queries for v in timer.frames[n]])}
    return results, queries


def bench_sort(model: LedgerModel, table: QTableView) -> dict[str, dict]:
    timer = Timer(table)
    per_column: dict[str, float] = {}
    for column in range(model.columnCount()):
        for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
            timer.measure("sort", lambda column=column, order=order: model.sort(column, order))
            title = model.headerData(column, Qt.Orientation.Horizontal)
            per_column[f"{title} {'↑' if order == Qt.SortOrder.AscendingOrder else '↓'}"] = timer.calls["sort"][-1]
    model.sort(0, Qt.SortOrder.AscendingOrder)
    frame(table)
    return {"call": summary(timer.calls["sort"]), "frame": summary(timer.frames["sort"]),
            "per_column_ms": per_column}


def bench_scroll(table: QTableView) -> dict[str, dict]:
    """Page by page from the top (PageDown), then jumps spread over the whole table (dragging the thumb).

    One untimed pass first: the very first paint of each Chinese glyph rasterises it (a one-off per session),
    which would otherwise make the scale measured first look slower than the others."""
    bar = table.verticalScrollBar()
    plans = {"page": [min(bar.maximum(), step * bar.pageStep()) for step in range(1, SCROLL_STEPS + 1)],
             "drag": [round(bar.maximum() * step / SCROLL_STEPS) for step in range(1, SCROLL_STEPS + 1)]}
    for position in plans["drag"]:
        bar.setValue(position)
        frame(table)
    results = {}
    for name, positions in plans.items():
        bar.setValue(0)
        frame(table)
        samples = []
        for position in positions:
            started = time.perf_counter()
            bar.setValue(position)
            frame(table)
            samples.append((time.perf_counter() - started) * 1000)
        results[name] = summary(samples)
    bar.setValue(0)
    frame(table)
    return results


def bench_gui_during_load(ctx: ServiceContext, table: QTableView) -> dict[str, float]:
    """Frames the GUI thread paints while a worker thread builds the ledger (they share the GIL)."""
    done = threading.Event()

    def load() -> None:
        ledger.plan_view(ctx)
        done.set()

    worker = threading.Thread(target=load, daemon=True)
    bar = table.verticalScrollBar()
    samples: list[float] = []
    worker.start()
    step = 0
    while not done.is_set():
        step += 1
        started = time.perf_counter()
        bar.setValue((step * bar.pageStep()) % max(1, bar.maximum()))
        frame(table)
        samples.append((time.perf_counter() - started) * 1000)
        time.sleep(0.005)
    worker.join()
    return summary(samples)


def ensure_database(folder: Path, scale: int, today: date) -> tuple[Path, dict[str, int] | None]:
    """The database of this scale in ``folder``: reused when there, else built (under a temporary name first,
    so an interrupted build is never mistaken for a finished one)."""
    path = folder / f"ledger-{scale}x.sqlite3"
    if path.exists():
        print(f"== scale {scale}×: reusing {path}", flush=True)
        return path, None
    print(f"== scale {scale}×: building {path}", flush=True)
    partial = folder / f"ledger-{scale}x.partial.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    built = build_database(partial, scale, today)
    partial.rename(path)
    return path, built


def bench_scale(scale: int, folder: Path, today: date) -> dict:
    path, built = ensure_database(folder, scale, today)
    return bench_database(path, scale, today, built)


def bench_database(path: Path, scale: int, today: date, built: dict[str, int] | None = None) -> dict:
    """Every ledger figure on the database at ``path`` (a QApplication must exist)."""
    load_before = load_average()
    database = open_database(resolve_target(str(path)))
    try:
        ctx = ServiceContext(database=database, actor="基准测试", today=lambda: today)
        loads = []
        for _ in range(3):
            plan = None  # drop the previous ledger first: two at once would inflate the peak memory
            started = time.perf_counter()
            plan = ledger.plan_view(ctx)
            loads.append(time.perf_counter() - started)
        rows = flat_rows(plan)
        del plan
        print(f"   plan_view: {statistics.median(loads):.2f} s for {len(rows):,} rows", flush=True)

        started = time.perf_counter()
        orders = prepare_orders(rows, tr)  # on the worker thread in the app, right after plan_view
        prepare_s = time.perf_counter() - started
        print(f"   prepare_orders (worker): {prepare_s:.2f} s", flush=True)
        model = LedgerModel(tr)
        table = ledger_table(model)
        frame(table)
        set_ledger = []
        for _ in range(3):
            set_ledger.append(timed_ms(lambda: model.set_ledger(rows, today, orders)))
            frame(table)
        filters, queries = bench_filters(model, table, rows)
        print(f"   filters: keystroke p95 {filters['keystroke_all']['call']['p95']:.1f} ms", flush=True)
        sort = bench_sort(model, table)
        print(f"   sort: p95 {sort['call']['p95']:.1f} ms", flush=True)
        scroll = bench_scroll(table)
        print(f"   scroll: page p95 {scroll['page']['p95']:.1f} ms, drag p95 {scroll['drag']['p95']:.1f} ms",
              flush=True)
        during_load = bench_gui_during_load(ctx, table)
        print(f"   GUI frame while the worker loads: p95 {during_load['p95']:.1f} ms, max {during_load['max']:.1f} ms",
              flush=True)
        table.close()
        table.deleteLater()
        QApplication.processEvents()
        return {"scale": scale, "rows": len(rows), "built": built, "queries": queries,
                "plan_view_s": statistics.median(loads), "plan_view_all_s": loads, "prepare_orders_s": prepare_s,
                "set_ledger_ms": statistics.median(set_ledger), "filters": filters, "sort": sort, "scroll": scroll,
                "gui_during_load": during_load, "peak_rss_mb": peak_rss_mb(),
                "load_average": [load_before, load_average()]}
    finally:
        database.close()


def verdict(value: float, target: float) -> str:
    return "OK" if value <= target else "MISSED"


def print_table(results: list[dict]) -> None:
    header = ["", *(f"{r['scale']}x ({r['rows']:,} rows)" for r in results), "target @100x"]
    keystroke, sort, scroll = (f"p95 <= {t:.0f}" for t in (TARGET_KEYSTROKE_MS, TARGET_SORT_MS, TARGET_SCROLL_MS))
    lines: list[tuple[str, list[str], str]] = [
        ("plan_view (worker) median s", [f"{r['plan_view_s']:.2f}" for r in results], "-"),
        ("prepare_orders (worker) s", [f"{r['prepare_orders_s']:.2f}" for r in results], "-"),
        ("set_ledger (GUI) median ms", [f"{r['set_ledger_ms']:.0f}" for r in results], "-"),
    ]
    for key, label in (("keystroke_chinese", "keystroke, Chinese query"),
                       ("keystroke_department", "keystroke, dept name"),
                       ("keystroke_department_digits", "keystroke, dept name + digits"),
                       ("keystroke_code", "keystroke, code"), ("keystroke_all", "keystroke, all"),
                       ("department_filter", "department filter"), ("light_filter", "light filter")):
        lines.append((f"{label} p50/p95 ms", [f"{r['filters'][key]['call']['p50']:.1f} / "
                                              f"{r['filters'][key]['call']['p95']:.1f}" for r in results], keystroke))
    lines.append(("keystroke + repaint p50/p95 ms", [f"{r['filters']['keystroke_all']['frame']['p50']:.1f} / "
                                                     f"{r['filters']['keystroke_all']['frame']['p95']:.1f}"
                                                     for r in results], "-"))
    lines.append(("sort p50/p95 ms", [f"{r['sort']['call']['p50']:.1f} / {r['sort']['call']['p95']:.1f}"
                                      for r in results], sort))
    for key in ("page", "drag"):
        lines.append((f"scroll {key} step p50/p95 ms",
                      [f"{r['scroll'][key]['p50']:.1f} / {r['scroll'][key]['p95']:.1f}" for r in results], scroll))
    lines.append(("GUI frame during load p95/max ms",
                  [f"{r['gui_during_load']['p95']:.1f} / {r['gui_during_load']['max']:.1f}" for r in results], "-"))
    lines.append(("peak RSS MB", [f"{r['peak_rss_mb']:.0f}" for r in results], "-"))
    lines.append(("load average before/after",
                  [load_text(r["load_average"]) for r in results], "-"))
    columns = [[header[0], *(label for label, _, _ in lines)]]
    columns += [[header[i + 1], *(values[i] for _, values, _ in lines)] for i in range(len(results))]
    columns.append([header[-1], *(target for _, _, target in lines)])
    widths = [max(len(cell) for cell in column) for column in columns]

    def row(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    print(row(header))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for label, values, target in lines:
        print(row([label, *values, target]))
    largest = max(results, key=lambda r: r["scale"])
    checks = (("keystroke p95", largest["filters"]["keystroke_all"]["call"]["p95"], TARGET_KEYSTROKE_MS),
              ("sort p95", largest["sort"]["call"]["p95"], TARGET_SORT_MS),
              ("scroll page p95", largest["scroll"]["page"]["p95"], TARGET_SCROLL_MS),
              ("scroll drag p95", largest["scroll"]["drag"]["p95"], TARGET_SCROLL_MS))
    print(f"\nAt {largest['scale']}x: " + "; ".join(f"{name} {value:.1f} ms (<= {target:.0f}) {verdict(value, target)}"
                                                  for name, value, target in checks))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the zzdesk ledger at several data volumes.")
    parser.add_argument("--scales", default="1,10,100", help="comma-separated, 1 = the demo's 42 ledger rows")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the databases in this folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--today", type=date.fromisoformat, default=TODAY)
    args = parser.parse_args(argv)
    scales = sorted(int(part) for part in args.scales.split(",") if part.strip())
    about = machine(pyside6=PySide6.__version__, qt_platform=os.environ["QT_QPA_PLATFORM"])
    print(" · ".join(f"{key} {value}" for key, value in about.items()), flush=True)
    create_application([sys.argv[0]])
    with tempfile.TemporaryDirectory(prefix="zzdesk-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        results = [bench_scale(scale, folder, args.today) for scale in scales]
    print()
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps({"machine": about, "results": results}, ensure_ascii=False, indent=1,
                                        default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
