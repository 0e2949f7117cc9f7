"""The benchmark suite (tests/benchmarks/suite.py) runs end to end, and its scale means what the docs say it means."""

import json
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

from tests.benchmarks.suite import BEGIN, END, FIGURES
from tests.benchmarks.synthetic import DEMO_DEPARTMENTS, DEMO_LEDGER_ROWS, build_database, scale_plan

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2025, 11, 20)


def counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(path)
    try:
        return {"rows": connection.execute("SELECT count(*) FROM task").fetchone()[0],
                "departments": connection.execute("SELECT count(*) FROM department").fetchone()[0],
                "updates": connection.execute("SELECT count(*) FROM status_update").fetchone()[0],
                "groups": connection.execute("SELECT count(*) FROM task_group").fetchone()[0],
                "measures": connection.execute("SELECT count(*) FROM task WHERE kind = 'measure'").fetchone()[0],
                "users": connection.execute("SELECT count(*) FROM user_account").fetchone()[0]}
    finally:
        connection.close()


def test_100x_is_a_city_thousands_of_items_hundreds_of_departments_hundreds_of_thousands_of_updates():
    plan = scale_plan(100, TODAY)
    assert plan.ledger_rows == 100 * DEMO_LEDGER_ROWS  # 4,200: thousands of items
    assert 200 <= plan.departments < 1000
    assert plan.status_updates_at_least >= 100_000
    ten = scale_plan(10, TODAY)
    assert ten.ledger_rows == 10 * DEMO_LEDGER_ROWS
    assert DEMO_DEPARTMENTS < ten.departments < plan.departments
    assert ten.status_updates_at_least < plan.status_updates_at_least / 5
    assert scale_plan(100, TODAY) == plan  # seeded: the same every time


def test_1x_is_the_demo_and_a_built_database_has_the_counts_its_plan_claims(tmp_path):
    demo = tmp_path / "1x.sqlite3"
    build_database(demo, 1, TODAY)
    built = counts(demo)
    assert (built["rows"], built["departments"]) == (DEMO_LEDGER_ROWS, DEMO_DEPARTMENTS)
    assert (built["groups"], built["measures"]) == (8, 33)  # the bundled plan
    assert built["updates"] > DEMO_LEDGER_ROWS and built["users"] == 5  # the demo's updates and accounts

    double = tmp_path / "2x.sqlite3"
    build_database(double, 2, TODAY)
    plan, built = scale_plan(2, TODAY), counts(double)
    assert built["rows"] == plan.ledger_rows == 2 * DEMO_LEDGER_ROWS
    assert built["departments"] == plan.departments
    demo_updates = counts(demo)["updates"]
    assert built["updates"] >= plan.status_updates_at_least + demo_updates
    assert built["updates"] < 1.2 * (plan.status_updates_at_least + demo_updates)  # 退回 and sent again: a few


def test_the_suite_measures_everything_at_1x_and_writes_its_table_above_the_older_sections(tmp_path):
    docs = tmp_path / "benchmarks.md"
    docs.write_text("# 台账性能基准（Ledger benchmark）\n\n旧的结果。\n", encoding="utf-8")
    out = tmp_path / "suite.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "benchmarks" / "suite.py"), "--scales", "1", "--quick",
         "--keep", str(tmp_path / "databases"), "--json", str(out), "--write-docs", "--docs", str(docs)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    result = json.loads(out.read_text(encoding="utf-8"))["results"][0]
    assert result["scale"] == 1 and result["data"]["ledger_rows"] == DEMO_LEDGER_ROWS
    measured = [result["cold_start"]["zzdesk_s"], result["cold_start"]["bare_s"], result["cold_start"]["ratio"],
                result["ledger"]["plan_view"]["p95"], result["ledger"]["set_ledger_ms"],
                result["ledger"]["keystroke"]["p95"], result["ledger"]["sort"]["p95"], result["log_update"]["p95"],
                result["bulletin"]["total_s"], result["bulletin"]["floor_s"], result["bulletin"]["peak_rss_mb"],
                result["import"]["preview_s"], result["import"]["openpyxl_s"]]
    assert all(value > 0 for value in measured), measured
    assert result["cold_start"]["zzdesk_s"] > result["cold_start"]["zzdesk_shown_s"] * 0.5
    assert result["log_update"]["synchronous"] == "FULL" and result["log_update"]["n"] == 20
    assert result["bulletin"]["pages"] > 1 and result["import"]["rows"] > 0

    text = docs.read_text(encoding="utf-8")
    assert text.index(BEGIN) < text.index(END) < text.index("# 台账性能基准（Ledger benchmark）")
    assert "| 指标 | 1×（演示库） | 目标 | 结论 |" in text
    table = [line for line in text.splitlines() if line.startswith("| ") and line.count("|") == 5]
    for figure in FIGURES:
        row = next(line for line in table if line.startswith(f"| {figure.label} |"))
        verdict = row.rstrip(" |").rsplit("| ", 1)[1]
        assert verdict == "—" if figure.check is None else verdict.startswith(("达标", "未达标"))
    assert "load average" in text and "cpus" in text  # the machine and how busy it was
    assert text.count(BEGIN) == 1
