"""``zzdesk export`` / ``zzdesk import`` as a clerk types them, on an SQLite file and on a PostgreSQL server:
printed previews, exit codes, and exactly what lands in the database."""

from pathlib import Path

import openpyxl
import pytest

from conftest import make_context
from zzdesk.cli import main
from zzdesk.exchange import layout
from zzdesk.services import ledger, updates
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

DEPARTMENT = "市科技局"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def demo_db(db_target: str, demo_clerk, capsys) -> str:
    code, _out, err = run(capsys, "--db", db_target, "init", "--demo")
    assert code == 0, err
    return db_target


def _history_counts(target: str) -> dict[str, int]:
    database = open_database(resolve_target(target))
    try:
        ctx = make_context(database)
        codes = [item.code for group in ledger.plan_view(ctx).groups for measure in group.measures
                 for item in (measure, *measure.items)]
        return {code: len(updates.history(ctx, code)) for code in codes}
    finally:
        database.close()


def _form_rows(path: Path) -> tuple[openpyxl.Workbook, dict[str, int], list[int]]:
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[layout.FORM_SHEET]
    columns = {sheet.cell(layout.HEADER_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    rows = [r for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1) if sheet.cell(r, columns["编号"]).value]
    return workbook, columns, rows


def _fill(path: Path, row: int, columns: dict[str, int], workbook: openpyxl.Workbook, **values: object) -> None:
    sheet = workbook[layout.FORM_SHEET]
    for header, value in values.items():
        sheet.cell(row, columns[header]).value = value
    workbook.save(path)


def test_export_ledger_as_excel_and_csv(demo_db, capsys, tmp_path):
    code, out, err = run(capsys, "--db", demo_db, "export", "ledger", "--out", str(tmp_path / "分解表.xlsx"))
    assert code == 0, err
    assert out.startswith("已导出") and "分解表.xlsx" in out
    sheet = openpyxl.load_workbook(tmp_path / "分解表.xlsx")[layout.LEDGER_SHEET]
    headers = [sheet.cell(layout.HEADER_ROW, c).value for c in range(1, len(layout.LEDGER_COLUMNS) + 1)]
    assert headers == [column.header for column in layout.LEDGER_COLUMNS]

    code, out, err = run(capsys, "--db", demo_db, "export", "ledger", "--out", str(tmp_path / "分解表.csv"))
    assert code == 0, err
    assert (tmp_path / "分解表.csv").read_bytes().startswith("\ufeff编号".encode())


def test_a_returned_form_is_previewed_then_refused_then_applied_without_the_bad_row(demo_db, capsys, tmp_path):
    form = tmp_path / "科技局报送表.xlsx"
    code, out, err = run(capsys, "--db", demo_db, "export", "form", "--dept", DEPARTMENT, "--out", str(form))
    assert code == 0, err
    workbook, columns, rows = _form_rows(form)
    assert len(rows) >= 2
    sheet = workbook[layout.FORM_SHEET]
    good_code = sheet.cell(rows[0], columns["编号"]).value
    bad_code = sheet.cell(rows[1], columns["编号"]).value
    _fill(form, rows[0], columns, workbook, **{"状态": "正常推进", "进度（%）": "８５％",
                                               "进展情况": " 完成中试基地建设。\n\n", "存在问题": "", "下步打算": ""})
    _fill(form, rows[1], columns, workbook, **{"进度（%）": 120})
    before = _history_counts(demo_db)

    code, out, err = run(capsys, "--db", demo_db, "import", "form", str(form))
    assert code == 0, err
    assert f"第 {rows[0]} 行 {good_code}" in out and "新报送" in out
    assert f"第 {rows[1]} 行 {bad_code}" in out and "120" in out and "有错误" in out
    assert "未做任何修改" in out
    assert _history_counts(demo_db) == before

    code, out, err = run(capsys, "--db", demo_db, "import", "form", str(form), "--apply")
    assert code == 1
    assert err.startswith("错误：有 1 行错误，未导入任何数据")
    assert _history_counts(demo_db) == before

    code, out, err = run(capsys, "--db", demo_db, "import", "form", str(form), "--apply", "--skip-errors")
    assert code == 0, err
    assert "已导入 1 条新报送" in out and "跳过有错误的 1 行" in out
    after = _history_counts(demo_db)
    assert {code: after[code] - before[code] for code in after if after[code] != before[code]} == {good_code: 1}


def test_a_ledger_with_a_new_department_is_applied_with_a_mapping(demo_db, capsys, tmp_path):
    book = tmp_path / "分解表.xlsx"
    assert run(capsys, "--db", demo_db, "export", "ledger", "--out", str(book))[0] == 0
    workbook = openpyxl.load_workbook(book)
    sheet = workbook[layout.LEDGER_SHEET]
    columns = {sheet.cell(layout.HEADER_ROW, c).value: c for c in range(1, sheet.max_column + 1)}
    row = next(r for r in range(layout.FIRST_DATA_ROW, sheet.max_row + 1)
               if sheet.cell(r, columns["编号"]).value == "2.1")
    sheet.cell(row, columns["牵头单位"]).value = "市数据局"
    workbook.save(book)

    code, out, err = run(capsys, "--db", demo_db, "import", "ledger", str(book))
    assert code == 0, err
    assert "不认识的单位：市数据局" in out

    code, out, err = run(capsys, "--db", demo_db, "import", "ledger", str(book), "--apply",
                         "--map", "市数据局=市大数据管理局")
    assert code == 0, err
    assert "已导入 1 项分工修改" in out
    database = open_database(resolve_target(demo_db))
    try:
        assert ledger.task_view(make_context(database), "2.1").lead == "市大数据管理局"
    finally:
        database.close()


def test_a_renamed_pdf_is_refused_in_one_chinese_line(demo_db, capsys, tmp_path):
    fake = tmp_path / "报送表.xlsx"
    fake.write_bytes(b"%PDF-1.4\n" + b"0" * 2000)
    code, _out, err = run(capsys, "--db", demo_db, "import", "form", str(fake), "--apply")
    assert code == 1
    assert err.startswith("错误：") and len(err.strip().splitlines()) == 1 and "PDF" in err
    assert "Traceback" not in err


def test_a_leader_may_export_but_not_import(demo_db, capsys, tmp_path, monkeypatch):
    from zzdesk.domain.roles import Role
    from zzdesk.services.demo import DEMO_ACCOUNTS

    form = tmp_path / "报送表.xlsx"
    assert run(capsys, "--db", demo_db, "export", "form", "--dept", DEPARTMENT, "--out", str(form))[0] == 0
    leader = next(account for account in DEMO_ACCOUNTS if account.role is Role.LEADER)
    monkeypatch.setenv("ZZDESK_USER", leader.name)
    monkeypatch.setenv("ZZDESK_PASSWORD", leader.password)
    assert run(capsys, "--db", demo_db, "export", "ledger", "--out", str(tmp_path / "l.xlsx"))[0] == 0

    code, _out, err = run(capsys, "--db", demo_db, "import", "form", str(form), "--apply")
    assert code == 1 and "导入部门报送表" in err
