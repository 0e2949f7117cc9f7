"""How long importing a returned 进展报送表 takes next to what openpyxl alone needs to read the same file.

Run: ``python tests/benchmarks/bench_exchange.py [--rows 10000] [--repeat 5] [--keep DIR] [--json FILE]``.

One department leads ``--rows`` open work items, each with a report for the month before; its form for the current
month is exported with ``export_form`` (timed), then filled in as liaisons fill it (openpyxl, not read-only): 70% of
the rows changed (status, progress, text) with the messy values people type — 「80%」, full-width digits, 0.8, a cell
formatted as a percentage — and the rest left as exported. Then, interleaved, ``--repeat`` times:

- (a) the floor: ``openpyxl.load_workbook(path, read_only=True, data_only=True)`` and every row of the form sheet
  through ``iter_rows(values_only=True)``;
- (b) the import preview: ``preview_form(ctx, path)`` (reads the file, checks every row against the ledger);
- (c) applying: ``apply_form(ctx, path, sha256)`` on a fresh copy of the database each time, so every apply starts
  from the same ledger (it writes one report and one audit row per changed row, after a backup).

The target is (b) ≤ 1.5 × (a). Peak memory of (a) and (b) is measured afterwards, untimed, with tracemalloc
(Python allocations, openpyxl's included); the process's peak RSS is printed too.
Not a pytest test (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script from anywhere

import openpyxl

from tests.benchmarks.common import load_average, load_text, machine, peak_rss_mb
from zzdesk.domain.vocabulary import STATUS_LABELS, Status
from zzdesk.exchange.layout import FORM_SHEET, HEADER_ROW
from zzdesk.services import maintenance
from zzdesk.services.context import ServiceContext
from zzdesk.services.exchange_export import export_form
from zzdesk.services.form_import import apply_form, preview_form
from zzdesk.services.import_preview import Verdict
from zzdesk.services.plan import init_database
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

TODAY = date(2025, 11, 20)  # the form is for 2025-11; every item's previous report is for 2025-10
NOW = datetime(2025, 11, 20, 9, tzinfo=UTC)
DEPARTMENT = "市科技局"
PREVIOUS_PERIOD = "2025-10"
CHANGED_SHARE = 0.7
TARGET_RATIO = 1.5

_PLACES = ("金水区", "二七区", "中原区", "郑东新区", "航空港区", "高新区", "经开区", "巩义市", "新郑市", "全市")
_OBJECTS = ("科技创新平台", "高新技术企业培育", "中试基地", "技术转移中心", "创新联合体", "科技成果转化",
            "重点实验室", "孵化器", "人工智能产业", "电子信息产业")
_TEXTS = ("已制定年度工作方案，明确责任分工和时间节点，各项工作按计划推进。",
          "召开专题推进会，梳理重点事项清单，逐项明确推进措施。",
          "重点项目完成阶段性目标，协调解决要素保障问题。",
          "会同配合单位开展实地调研，形成问题清单并建立台账。")
_NEW_TEXTS = ("本月完成项目评审和资金拨付，已有 12 家企业签约入驻。",
              "组织专家实地核查，形成核查报告，问题已整改到位。",
              "与省科技厅对接，争取专项资金 3000 万元，已到位 60%。",
              "完成年度绩效自评，正在准备迎检材料。")
_PROBLEMS = ("部分项目要素保障不到位，推进速度不及预期。", "资金拨付进度偏慢，影响项目实施。")
_NEXT_STEPS = ("下步将加大调度力度，确保按期完成年度目标。", "继续跟踪重点事项，及时协调解决存在问题。")


# ------------------------------------------------------------------------------------------------ the data

def context(path: Path) -> tuple[ServiceContext, Callable[[], None]]:
    """A context on the SQLite file at ``path`` (user None: the program itself), and how to close it."""
    database = open_database(resolve_target(str(path)))
    ctx = ServiceContext(database=database, actor="基准测试", today=lambda: TODAY, now=lambda: NOW)
    return ctx, database.close


def build_database(path: Path, rows: int) -> dict[str, object]:
    """Plan and departments the normal way, then ``rows`` work items led by DEPARTMENT, each with one accepted
    report for the month before, added with ``sqlite3.executemany`` (as ``synthetic.py`` does)."""
    started = time.perf_counter()
    ctx, close = context(path)
    try:
        init_database(ctx)
    finally:
        close()
    rng = random.Random(f"zzdesk-bench-exchange-{rows}")
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous = OFF")  # a throw-away benchmark file
        connection.execute("BEGIN")
        department_id = connection.execute("SELECT id FROM department WHERE name = ?", (DEPARTMENT,)).fetchone()[0]
        measures = connection.execute(
            "SELECT m.id, m.group_id, m.code, (SELECT coalesce(max(seq), 0) FROM task w WHERE w.parent_id = m.id)"
            " FROM task m WHERE m.kind = 'measure' ORDER BY m.id").fetchall()
        next_id = connection.execute("SELECT coalesce(max(id), 0) FROM task").fetchone()[0] + 1
        tasks, updates = [], []
        created = "2025-11-03 09:00:00.000000"
        reviewed = "2025-11-05 09:00:00.000000"
        for n in range(rows):
            measure_id, group_id, code, last_seq = measures[n % len(measures)]
            seq = last_seq + 1 + n // len(measures)
            place, obj = rng.choice(_PLACES), rng.choice(_OBJECTS)
            title = f"推进{place}{obj}建设"
            text = f"按照市委市政府部署，{place}牵头推进{obj}建设，年内完成阶段目标，建立月调度机制。"
            deadline = date(2026, rng.randint(1, 12), 28).isoformat()
            tasks.append((next_id, group_id, measure_id, "work_item", f"{code}.{seq}", seq, title, text,
                          department_id, "王建国（副市长）", "2025-01-01", deadline, 0, "monthly", 5))
            progress = rng.randint(10, 80)
            updates.append((next_id, PREVIOUS_PERIOD, "on_track", progress, rng.choice(_TEXTS),
                            rng.choice(_PROBLEMS) if rng.random() < 0.2 else "", rng.choice(_NEXT_STEPS),
                            f"{DEPARTMENT}联络员", created, "accepted", "", "督查室", reviewed))
            next_id += 1
        connection.executemany(
            "INSERT INTO task (id, group_id, parent_id, kind, code, seq, title, text, lead_department_id, leader,"
            " start_date, deadline, ongoing, cycle, due_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            tasks)
        connection.executemany(
            "INSERT INTO status_update (task_id, period, status, progress, progress_text, problems, next_steps,"
            " reporter, created_at, review_state, review_note, reviewed_by, reviewed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", updates)
        connection.execute("COMMIT")
    finally:
        connection.close()
    ctx, close = context(path)
    try:
        report = maintenance.check(ctx)
    finally:
        close()
    if not report.ok:
        raise SystemExit("the generated database fails zzdesk's check: " + "; ".join(report.problems[:5]))
    return {"work_items": rows, "counts": report.counts, "seconds": time.perf_counter() - started}


def _messy_progress(rng: random.Random, progress: int) -> tuple[object, str | None]:
    """A progress value as a liaison may type it, and the number format the cell gets (None: unchanged)."""
    full_width = str(progress).translate({ord(d): ord(d) + 0xFEE0 for d in "0123456789"})
    choices: list[tuple[object, str | None]] = [
        (progress, None), (str(progress), None), (f"{progress}%", None), (full_width, None),
        (f"{full_width}％", None), (f" {progress} ", None), (float(progress), None)]
    if 0 < progress < 100:
        choices.append((progress / 100, None))  # 0.8: a fraction
        choices.append((progress / 100, "0%"))  # a cell typed 80%: Excel stores 0.8, shown as a percentage
    return rng.choice(choices)


def fill_form(exported: Path, filled: Path, seed: str) -> dict[str, int]:
    """What the liaisons send back: ``CHANGED_SHARE`` of the rows changed, the rest as exported."""
    rng = random.Random(seed)
    workbook = openpyxl.load_workbook(exported)
    sheet = workbook[FORM_SHEET]
    columns = {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}
    status_col, progress_col = columns["状态"], columns["进度（%）"]
    text_col, problems_col, next_col = columns["进展情况"], columns["存在问题"], columns["下步打算"]
    changed = rows = 0
    for row in range(HEADER_ROW + 1, sheet.max_row + 1):
        if sheet.cell(row, columns["key_code"]).value is None:
            continue
        rows += 1
        if rng.random() >= CHANGED_SHARE:
            continue
        changed += 1
        before = sheet.cell(row, progress_col).value
        progress = min(100, int(before or 0) + rng.randint(5, 20))
        status = Status.COMPLETED if progress == 100 else rng.choice(
            (Status.ON_TRACK, Status.ON_TRACK, Status.LAGGING, Status.ONGOING))
        label = STATUS_LABELS[status]
        sheet.cell(row, status_col).value = rng.choice((label, f" {label} ", f"{label[:2]} {label[2:]}"))
        value, number_format = _messy_progress(rng, progress)
        cell = sheet.cell(row, progress_col)
        cell.value = value
        if number_format is not None:
            cell.number_format = number_format
        if rng.random() < 0.8:
            sheet.cell(row, text_col).value = rng.choice(_NEW_TEXTS) + ("\n" + rng.choice(_TEXTS)
                                                                       if rng.random() < 0.3 else "")
        if rng.random() < 0.3:
            sheet.cell(row, problems_col).value = rng.choice(("", *_PROBLEMS))
        if rng.random() < 0.3:
            sheet.cell(row, next_col).value = rng.choice(_NEXT_STEPS) + "　"  # a trailing ideographic space
    workbook.save(filled)
    return {"rows": rows, "changed": changed}


# ------------------------------------------------------------------------------------------------ measuring

def openpyxl_floor(path: Path) -> int:
    """(a): what reading the form sheet costs openpyxl alone, the least an import can take."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        count = 0
        for _ in workbook[FORM_SHEET].iter_rows(values_only=True):
            count += 1
        return count
    finally:
        workbook.close()


def timed(action: Callable[[], object]) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of ``action``. The code measured is single-threaded and reads from memory, so on
    an idle machine the two agree; CPU time stays honest when other processes compete for the cores."""
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - started, time.process_time() - cpu, result


def traced_peak_mb(action: Callable[[], object]) -> float:
    """Peak Python allocations while ``action`` runs (tracemalloc: slow, so never inside a timed run)."""
    gc.collect()
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def spent_ratio(cpu: dict[str, list[float]], turn: int) -> float:
    return cpu["preview"][turn] / cpu["openpyxl"][turn]


def run(folder: Path, rows: int, repeat: int) -> dict:
    base = folder / "base.sqlite3"
    exported = folder / f"{DEPARTMENT}-2025年11月-进展报送表.xlsx"
    filled = folder / f"{DEPARTMENT}-2025年11月-进展报送表-已填.xlsx"
    for old in (base, exported, filled):
        old.unlink(missing_ok=True)
    print(f"== building a database: {DEPARTMENT} leads {rows:,} work items", flush=True)
    built = build_database(base, rows)
    print(f"   {built['seconds']:.1f} s; check ok; {built['counts']}", flush=True)

    ctx, close = context(base)
    try:
        export_s, _, exported_result = timed(lambda: export_form(ctx, DEPARTMENT, exported))
        print(f"   export_form: {export_s:.2f} s, {exported_result.rows:,} rows", flush=True)
        started = time.perf_counter()
        filled_info = fill_form(exported, filled, f"fill-{rows}")
        print(f"   filled with openpyxl in {time.perf_counter() - started:.1f} s: {filled_info}", flush=True)

        times: dict[str, list[float]] = {key: [] for key in ("openpyxl", "preview", "apply")}
        cpu: dict[str, list[float]] = {key: [] for key in times}
        load_before = load_average()
        for turn in range(repeat):
            wall, spent, sheet_rows = timed(lambda: openpyxl_floor(filled))
            times["openpyxl"].append(wall)
            cpu["openpyxl"].append(spent)
            wall, spent, preview = timed(lambda: preview_form(ctx, filled))
            times["preview"].append(wall)
            cpu["preview"].append(spent)
            sha256 = preview.sha256
            verdicts = {verdict.value: sum(row.verdict is verdict for row in preview.rows) for verdict in Verdict}
            preview = None  # not alive during the next runs: a bigger heap makes the collector's passes longer
            copy = folder / f"apply-{turn}.sqlite3"
            shutil.copyfile(base, copy)
            apply_ctx, apply_close = context(copy)
            try:
                wall, spent, result = timed(lambda c=apply_ctx, sha=sha256: apply_form(c, filled, sha))
            finally:
                apply_close()
            times["apply"].append(wall)
            cpu["apply"].append(spent)
            print(f"   run {turn + 1}: openpyxl {times['openpyxl'][-1]:.2f} s, preview {times['preview'][-1]:.2f} s "
                  f"(×{times['preview'][-1] / times['openpyxl'][-1]:.2f}; CPU ×{spent_ratio(cpu, -1):.2f}), "
                  f"apply {times['apply'][-1]:.2f} s, wrote {result.written:,}", flush=True)
            for path in folder.glob(f"apply-{turn}*"):  # the copy and the backup apply took beside it
                path.unlink() if path.is_file() else shutil.rmtree(path)
        load_after = load_average()
        floor_mb = traced_peak_mb(lambda: openpyxl_floor(filled))
        preview_mb = traced_peak_mb(lambda: preview_form(ctx, filled))
    finally:
        close()
    return {"rows": exported_result.rows, "sheet_rows": sheet_rows, "file_bytes": filled.stat().st_size,
            "exported_bytes": exported.stat().st_size, "changed": filled_info["changed"], "verdicts": verdicts,
            "written": result.written, "export_s": export_s, "wall_s": times, "cpu_s": cpu,
            "openpyxl_peak_mb": floor_mb, "preview_peak_mb": preview_mb,
            "peak_rss_mb": peak_rss_mb(), "load_average": [load_before, load_after], "built": built}


def busiest_department(path: Path) -> tuple[str, int]:
    """The department that leads the most open work items and measures in the database, and how many."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(
            "SELECT d.name, count(*) AS n FROM task t JOIN department d ON d.id = t.lead_department_id"
            " WHERE t.closed_at IS NULL GROUP BY d.name ORDER BY n DESC, d.name LIMIT 1").fetchone()
    finally:
        connection.close()


def compare_department_form(path: Path, department: str, folder: Path, repeat: int,
                            today: date = TODAY, now: datetime = NOW, max_turns: int = 60) -> dict:
    """(a) against (b) on ``department``'s form of an existing database (read only: nothing is applied)."""
    exported, filled = folder / "form.xlsx", folder / "form-filled.xlsx"
    database = open_database(resolve_target(str(path)))
    ctx = ServiceContext(database=database, actor="基准测试", today=lambda: today, now=lambda: now)
    try:
        export_s, _, exported_result = timed(lambda: export_form(ctx, department, exported))
        filled_info = fill_form(exported, filled, f"fill-{department}")
        wall: dict[str, list[float]] = {"openpyxl": [], "preview": []}
        cpu: dict[str, list[float]] = {"openpyxl": [], "preview": []}
        preview_form(ctx, filled)  # untimed: the first call pays for lazy imports and statement caches
        # A small form reads in milliseconds, where one busy moment of the machine would decide the ratio: run it
        # often enough that each side adds up to a second (at most ``max_turns``).
        first, _, _ = timed(lambda: openpyxl_floor(filled))
        turns = max(repeat, min(max_turns, math.ceil(1.0 / max(first, 1e-3))))
        for _ in range(turns):
            for name, action in (("openpyxl", lambda: openpyxl_floor(filled)), ("preview", lambda: preview_form(
                    ctx, filled))):
                seconds, spent, _result = timed(action)
                wall[name].append(seconds)
                cpu[name].append(spent)
    finally:
        database.close()
    median = statistics.median
    return {"department": department, "rows": exported_result.rows, "changed": filled_info["changed"],
            "export_s": export_s, "openpyxl_s": median(wall["openpyxl"]), "preview_s": median(wall["preview"]),
            "ratio": median(wall["preview"]) / median(wall["openpyxl"]), "turns": turns,
            "cpu_ratio": median(cpu["preview"]) / median(cpu["openpyxl"]), "wall_s": wall, "cpu_s": cpu}


# ------------------------------------------------------------------------------------------------ reporting

def print_table(r: dict) -> None:
    median = statistics.median
    wall, cpu = r["wall_s"], r["cpu_s"]

    def pair(samples: list[float]) -> str:
        return f"{median(samples):.2f} / {min(samples):.2f}"

    def ratio(kind: dict[str, list[float]], pick: Callable[[list[float]], float]) -> float:
        return pick(kind["preview"]) / pick(kind["openpyxl"])

    def paired(kind: dict[str, list[float]]) -> float:
        """(a) and (b) of one run ran back to back, so their ratio is least touched by a load that comes and goes."""
        return median(b / a for a, b in zip(kind["openpyxl"], kind["preview"], strict=True))

    whole = {name: [p + a for p, a in zip(kind["preview"], kind["apply"], strict=True)]
             for name, kind in (("wall", wall), ("cpu", cpu))}
    target = f"<= {TARGET_RATIO}"
    lines = [
        ("rows (data rows in the form)", f"{r['rows']:,}", "-"),
        ("changed rows / written", f"{r['changed']:,} / {r['written']:,}", "-"),
        ("preview verdicts", " / ".join(f"{k} {v:,}" for k, v in r["verdicts"].items()), "-"),
        ("file size exported / filled", f"{r['exported_bytes'] / 2**20:.2f} / {r['file_bytes'] / 2**20:.2f} MiB", "-"),
        ("export_form s", f"{r['export_s']:.2f}", "-"),
        ("(a) openpyxl read-only s, median / min", pair(wall["openpyxl"]), "-"),
        ("(b) preview_form s, median / min", pair(wall["preview"]), "-"),
        ("ratio b/a, medians / mins", f"{ratio(wall, median):.2f} / {ratio(wall, min):.2f}", target),
        ("ratio b/a, median of the runs' own ratios", f"{paired(wall):.2f}", target),
        ("(a) CPU s, median / min", pair(cpu["openpyxl"]), "-"),
        ("(b) CPU s, median / min", pair(cpu["preview"]), "-"),
        ("ratio b/a CPU, medians / mins", f"{ratio(cpu, median):.2f} / {ratio(cpu, min):.2f}", target),
        ("ratio b/a CPU, median of the runs' own ratios", f"{paired(cpu):.2f}", target),
        ("(c) apply_form s, median / min", pair(wall["apply"]), "-"),
        ("whole import b+c s, median / min", pair(whole["wall"]), "-"),
        ("whole import b+c CPU s, median / min", pair(whole["cpu"]), "-"),
        ("peak Python memory (a) / (b) MB", f"{r['openpyxl_peak_mb']:.0f} / {r['preview_peak_mb']:.0f}", "-"),
        ("peak RSS of the process MB", f"{r['peak_rss_mb']:.0f}", "-"),
        ("load average before / after",
         load_text(r["load_average"]), "-"),
    ]
    widths = [max(len(cells[i]) for cells in [("", "value", "target"), *lines]) for i in range(3)]

    def row(cells: tuple[str, str, str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    print(row(("", "value", "target")))
    print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    for line in lines:
        print(row(line))
    for name, kind in (("wall clock", wall), ("CPU time", cpu)):
        value = ratio(kind, median)
        print(f"preview / openpyxl ({name}, medians) = {value:.2f} (<= {TARGET_RATIO}) "
              f"{'OK' if value <= TARGET_RATIO else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark importing a 进展报送表 against openpyxl alone.")
    parser.add_argument("--rows", type=int, default=10_000, help="work items the department leads")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved repetitions of (a), (b), (c)")
    parser.add_argument("--keep", type=Path, help="keep the database and the forms in this (new) folder")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    about = machine(openpyxl=openpyxl.__version__)
    print(" · ".join(f"{key} {value}" for key, value in about.items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="zzdesk-bench-exchange-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        os.environ["ZZDESK_DATA_DIR"] = str(folder / "data")  # never the user's own data folder
        result = run(folder, args.rows, args.repeat)
    print()
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps({"machine": about, "result": result}, ensure_ascii=False, indent=1,
                                        default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
