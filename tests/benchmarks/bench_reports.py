"""How long the 督查通报 (bulletin) PDF takes, and how much memory it needs, on the demo and on synthetic databases.

Run: ``python tests/benchmarks/bench_reports.py [--scales 1 10 100] [--repeat 3] [--out-json FILE] [--cache DIR]``.
Every figure comes from its own fresh Python process (nothing imported, cached or allocated is shared between
runs), and the median of ``--repeat`` runs is reported. Per database three kinds of run are timed:

- total: ``generate_report(ctx, ReportRequest(ReportKind.BULLETIN), out)`` — reading the ledger, the charts, the
  layout, writing the file and recording it in the archive; module imports and opening the database are not timed;
- collect: ``collect_bulletin(ctx)`` alone (the database part);
- floor: ``build_bulletin(data)`` alone, with ``data`` already collected in memory: the same charts and story
  built from data at hand, which is what the report costs at the least. total / floor is the overhead.

The peak RSS (``ru_maxrss``) of the total run is reported beside the RSS after the imports, so the report's own
memory is visible. Each total run writes into a fresh copy of the database, so every run is a first bulletin.
Generated databases are kept in the cache folder (default: the system temp folder) and reused by later runs.
Not a pytest test (the file name does not start with ``test_``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # so `tests.benchmarks` imports when run as a script

from tests.benchmarks.common import load_average, load_text, machine, peak_rss_mb, rss_now_mb  # noqa: E402

TODAY = date(2025, 11, 20)
NOW = datetime(2025, 11, 20, 9, tzinfo=UTC)
MODES = ("total", "collect", "floor")
RESULT_MARK = "BENCH-RESULT "
# The targets: the demo under 2 s; 100× under 15 s and 500 MB; later, total within 1.3 × the floor.
TARGET_DEMO_S = 2.0
TARGET_100X_S = 15.0
TARGET_100X_MB = 500.0
TARGET_RATIO = 1.3


# --- the measuring process ----------------------------------------------------------------------------------------

def worker(mode: str, db: Path, out: Path | None) -> dict:
    """One measurement in this (fresh) process. Everything the report imports is imported before the clock starts."""
    import gc

    import zzdesk.reports.bulletin  # noqa: F401  (generate_report imports it lazily)
    from zzdesk.domain.vocabulary import ReportKind
    from zzdesk.reports.bulletin import build_bulletin
    from zzdesk.services.bulletin_content import collect_bulletin
    from zzdesk.services.context import ServiceContext
    from zzdesk.services.reports import ReportRequest, generate_report
    from zzdesk.store.database import open_database
    from zzdesk.store.engine import resolve_target

    gc.collect()
    result: dict = {"mode": mode, "rss_after_imports_mb": rss_now_mb(), "peak_after_imports_mb": peak_rss_mb()}
    started = time.perf_counter()
    database = open_database(resolve_target(str(db)))
    result["open_s"] = time.perf_counter() - started
    try:
        ctx = ServiceContext(database=database, actor="基准测试", today=lambda: TODAY, now=lambda: NOW)
        if mode == "total":
            assert out is not None
            started = time.perf_counter()
            report = generate_report(ctx, ReportRequest(ReportKind.BULLETIN), out)
            result["seconds"] = time.perf_counter() - started
            result.update(pages=report.pages, pdf_bytes=out.stat().st_size, sha256=report.sha256)
        elif mode == "collect":
            started = time.perf_counter()
            data = collect_bulletin(ctx)
            result["seconds"] = time.perf_counter() - started
            result.update(named=len(data.named), measures=len(data.ledger), work_items=data.work_items,
                          departments=len(data.departments))
        else:
            data = collect_bulletin(ctx)
            gc.collect()
            result["rss_before_build_mb"] = rss_now_mb()
            started = time.perf_counter()
            pdf = build_bulletin(data)
            result["seconds"] = time.perf_counter() - started
            result.update(pages=pdf.pages, pdf_bytes=len(pdf.data), sha256=pdf.sha256)
    finally:
        database.close()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --- the databases ------------------------------------------------------------------------------------------------

def _build_demo(path: Path) -> dict[str, int]:
    """What ``zzdesk --db PATH init --demo`` makes, with the benchmark's fixed day."""
    from zzdesk.services.context import ServiceContext
    from zzdesk.services.demo import populate_demo
    from zzdesk.services.plan import init_database
    from zzdesk.store.database import open_database
    from zzdesk.store.engine import resolve_target

    database = open_database(resolve_target(str(path)))
    try:
        ctx = ServiceContext(database=database, actor="基准测试", today=lambda: TODAY, now=lambda: NOW)
        init_database(ctx)
        return {"status_updates": populate_demo(ctx)}
    finally:
        database.close()


def ensure_database(folder: Path, name: str) -> Path:
    """The database called ``name`` ("demo" or "<scale>x") in ``folder``, built under a temporary name first when
    missing, so that an interrupted build is never taken for a finished one."""
    path = folder / f"bulletin-{name}-{TODAY.isoformat()}.sqlite3"
    if path.exists():
        print(f"== {name}: reusing {path}", flush=True)
        return path
    print(f"== {name}: building {path}", flush=True)
    partial = folder / f"bulletin-{name}-{TODAY.isoformat()}.partial.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    if name == "demo":
        _build_demo(partial)
    else:
        from tests.benchmarks.synthetic import build_database

        build_database(partial, int(name.rstrip("x")), TODAY)
    for suffix in ("-wal", "-shm"):
        if Path(f"{partial}{suffix}").exists():  # not closed cleanly: rather build again next time
            raise RuntimeError(f"{partial}{suffix} left behind")
    partial.rename(path)
    return path


# --- the driver ---------------------------------------------------------------------------------------------------

def run_worker(mode: str, db: Path, scratch: Path) -> dict:
    """One fresh process; a total run gets its own copy of the database (it records the report in it)."""
    out = scratch / "bulletin.pdf"
    target = db
    if mode == "total":
        target = scratch / "copy.sqlite3"
        shutil.copyfile(db, target)
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, "--db", str(target),
               "--pdf", str(out)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} on {db} failed:\n{done.stdout}\n{done.stderr}")
    line = next(line for line in reversed(done.stdout.splitlines()) if line.startswith(RESULT_MARK))
    for leftover in (out, target if target != db else None):
        if leftover is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{leftover}{suffix}").unlink(missing_ok=True)
    return json.loads(line[len(RESULT_MARK):])


def bench_database(name: str, db: Path, repeat: int, scratch: Path) -> dict:
    runs: dict[str, list[dict]] = {mode: [] for mode in MODES}
    load_before = load_average()
    for index in range(repeat):
        for mode in MODES:  # interleaved, so a busy moment on the machine touches every mode alike
            run = run_worker(mode, db, scratch)
            runs[mode].append(run)
            print(f"   {name} run {index + 1} {mode}: {run['seconds']:.2f} s, peak RSS {run['peak_rss_mb']:.0f} MB",
                  flush=True)
    total, collect, floor = runs["total"], runs["collect"], runs["floor"]
    median = {mode: statistics.median(r["seconds"] for r in runs[mode]) for mode in MODES}
    digests = {r["sha256"] for r in total} | {r["sha256"] for r in floor}
    return {
        "database": name, "size_mb": db.stat().st_size / 2**20,
        "total_s": median["total"], "collect_s": median["collect"], "floor_s": median["floor"],
        "ratio": median["total"] / median["floor"],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in total),
        "rss_after_imports_mb": statistics.median(r["rss_after_imports_mb"] for r in total),
        "report_memory_mb": max(r["peak_rss_mb"] - r["rss_after_imports_mb"] for r in total),
        "floor_peak_rss_mb": max(r["peak_rss_mb"] for r in floor),
        "pages": total[0]["pages"], "pdf_kb": total[0]["pdf_bytes"] / 1024,
        "byte_identical": len(digests) == 1,
        "named": collect[0]["named"], "measures": collect[0]["measures"], "work_items": collect[0]["work_items"],
        "departments": collect[0]["departments"],
        "load_average": [load_before, load_average()],
        "runs": runs,
    }


def target_of(name: str) -> str:
    if name == "demo":
        return f"total < {TARGET_DEMO_S:.0f} s"
    if name == "100x":
        return f"total < {TARGET_100X_S:.0f} s, peak < {TARGET_100X_MB:.0f} MB"
    return "-"


def print_table(results: list[dict]) -> None:
    lines = [
        ("work items / named / departments", lambda r: f"{r['work_items']:,} / {r['named']:,} / {r['departments']}"),
        ("total (generate_report) median s", lambda r: f"{r['total_s']:.2f}"),
        ("collect_bulletin median s", lambda r: f"{r['collect_s']:.2f}"),
        ("floor (build_bulletin) median s", lambda r: f"{r['floor_s']:.2f}"),
        ("total / floor", lambda r: f"{r['ratio']:.2f}"),
        ("peak RSS (total run) MB", lambda r: f"{r['peak_rss_mb']:.0f}"),
        ("RSS after imports MB", lambda r: f"{r['rss_after_imports_mb']:.0f}"),
        ("report's own memory MB", lambda r: f"{r['report_memory_mb']:.0f}"),
        ("pages / PDF KiB", lambda r: f"{r['pages']} / {r['pdf_kb']:,.0f}"),
        ("byte-identical across runs", lambda r: "yes" if r["byte_identical"] else "NO"),
        ("load average before/after", lambda r: load_text(r["load_average"])),
    ]
    header = ["", *(r["database"] for r in results)]
    table = [header] + [[label, *(cell(r) for r in results)] for label, cell in lines]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for index, row in enumerate(table):
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
        if index == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")
    print()
    for r in results:
        checks = [f"total/floor {r['ratio']:.2f} (later target <= {TARGET_RATIO})"]
        if r["database"] == "demo":
            checks.insert(0, f"total {r['total_s']:.2f} s (< {TARGET_DEMO_S:.0f}) "
                             f"{'OK' if r['total_s'] < TARGET_DEMO_S else 'MISSED'}")
        if r["database"] == "100x":
            checks.insert(0, f"total {r['total_s']:.2f} s (< {TARGET_100X_S:.0f}) "
                             f"{'OK' if r['total_s'] < TARGET_100X_S else 'MISSED'}; peak RSS "
                             f"{r['peak_rss_mb']:.0f} MB (< {TARGET_100X_MB:.0f}) "
                             f"{'OK' if r['peak_rss_mb'] < TARGET_100X_MB else 'MISSED'}")
        print(f"{r['database']}: " + "; ".join(checks))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the 督查通报 PDF on the demo and synthetic databases.")
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 100],
                        help="synthetic scales (1 = the demo, see synthetic.py); the demo database is always measured")
    parser.add_argument("--no-demo", action="store_true", help="leave out the demo database")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "zzdesk-bench-reports",
                        help="folder where the generated databases are kept and reused")
    parser.add_argument("--out-json", type=Path, help="also write the figures to this file")
    parser.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--pdf", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(RESULT_MARK + json.dumps(worker(args.worker, args.db, args.pdf)), flush=True)
        return 0

    about = machine()
    print(" · ".join(f"{key} {value}" for key, value in about.items()), flush=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    names = ([] if args.no_demo else ["demo"]) + [f"{scale}x" for scale in sorted(set(args.scales))]
    databases = {name: ensure_database(args.cache, name) for name in names}
    from zzdesk.store.database import open_database
    from zzdesk.store.engine import resolve_target

    for path in databases.values():  # bring a database made by an older version to the app's schema, once, here
        open_database(resolve_target(str(path))).close()
    results = []
    with tempfile.TemporaryDirectory(prefix="zzdesk-bench-reports-") as scratch:
        for name, db in databases.items():
            results.append(bench_database(name, db, args.repeat, Path(scratch)))
    print()
    print_table(results)
    if args.out_json:
        args.out_json.write_text(json.dumps({"machine": about, "today": TODAY.isoformat(), "results": results},
                                            ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
