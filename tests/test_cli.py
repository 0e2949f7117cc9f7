"""The command line as a script or a clerk uses it: exit codes, printed text and JSON, and what lands in the
database."""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from zzdesk.cli import main
from zzdesk.domain.dates import Period

HISTORY_KEYS = {"period", "status", "progress", "text", "problems", "next", "reporter", "created_at", "review"}
TASK_KEYS = {"code", "title", "text", "lead", "co", "leader", "deadline", "status", "progress", "expected_progress",
             "light", "items"}
# The CLI runs on the real clock: two years from now is always in the future.
FUTURE_PERIOD = str(Period.of(date.today()).shifted(24))
UPDATE = ["update", "1.1", "--status", "正常推进", "--progress", "40"]
# Every account in these tests shares one password, so ZZDESK_PASSWORD logs any of them in.
PASSWORD = "Test-pass-2025"
ADMIN = "管理员"


@pytest.fixture(autouse=True)
def _logins(monkeypatch: pytest.MonkeyPatch) -> None:
    """``init`` creates the administrator from the environment; commands log in as ZZDESK_USER (测试员, a clerk)."""
    for name in ("ZZDESK_ADMIN_PASSWORD", "ZZDESK_PASSWORD", "ZZDESK_NEW_PASSWORD"):
        monkeypatch.setenv(name, PASSWORD)
    monkeypatch.setenv("ZZDESK_ADMIN_NAME", ADMIN)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()  # drop anything printed before
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dump(path: Path) -> str:
    """Every row of every table but the audit trail (logins and refusals are audited), as SQL: equal dumps mean
    nothing was written."""
    connection = sqlite3.connect(path)
    try:
        return "\n".join(line for line in connection.iterdump()
                         if not line.startswith(('INSERT INTO "audit_entry"', 'INSERT INTO "audit_head"')))
    finally:
        connection.close()


def assert_refused(code: int, out: str, err: str, *words: str) -> None:
    assert code == 1, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("错误：")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0], lines[0]


def add_account(capsys: pytest.CaptureFixture[str], db: str, name: str = "测试员", *options: str) -> None:
    """The administrator adds an account (a clerk unless options say otherwise)."""
    code, _, err = run(capsys, "--db", db, "--user", ADMIN, "user", "add", name, *(options or ("--role", "clerk")))
    assert code == 0, err


@pytest.fixture
def db_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A database made by ``zzdesk init``, with the clerk 测试员."""
    path = tmp_path / "台账.sqlite3"
    code, out, _ = run(capsys, "--db", str(path), "init")
    assert code == 0
    assert "33 项举措" in out
    add_account(capsys, str(path))
    return path


@pytest.fixture
def db(db_file: Path) -> str:
    return str(db_file)


def tree(capsys: pytest.CaptureFixture[str], db: str) -> dict:
    code, out, err = run(capsys, "--db", db, "tree", "--json")
    assert code == 0, err
    return json.loads(out)


def measure(data: dict, code: str) -> dict:
    return next(m for g in data["groups"] for m in g["measures"] if m["code"] == code)


# ----------------------------------------------------------------------------------------------- reading the ledger

def test_init_then_tree_json(capsys, db):
    data = tree(capsys, db)
    assert data["plan"]["groups"] == 8
    assert data["plan"]["measures"] == 33
    assert "《郑州市国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要》" in data["plan"]["title"]
    assert len(data["groups"]) == 8
    assert [g["code"] for g in data["groups"]] == [str(n) for n in range(1, 9)]
    measures = [m for g in data["groups"] for m in g["measures"]]
    assert len(measures) == 33
    assert data["groups"][0]["measures"][0]["code"] == "1.1"
    assert measure(data, "1.1")["title"] == "紧盯项目扩投资"
    for m in measures:
        assert set(m) >= TASK_KEYS, m.keys()
        assert m["lead"] is None
        assert m["light"] == "none"
        assert m["items"] == []


def test_tree_text_lists_every_measure(capsys, db):
    code, out, _ = run(capsys, "--db", db, "tree")
    assert code == 0
    assert "1.1 紧盯项目扩投资" in out
    assert "8.3" in out
    assert "[未分配]" in out


def test_init_demo_assigns_every_measure(capsys, tmp_path):
    path = str(tmp_path / "demo.sqlite3")
    code, out, err = run(capsys, "--db", path, "init", "--demo")
    assert code == 0, err
    assert "已装入演示数据" in out
    data = tree(capsys, path)
    measures = [m for g in data["groups"] for m in g["measures"]]
    assert len(measures) == 33
    assert all(m["lead"] for m in measures)
    assert all(m["light"] != "none" for m in measures)
    code, out, _ = run(capsys, "--db", path, "check")
    assert code == 0
    assert "检查通过" in out


def test_init_twice_keeps_the_plan(capsys, db):
    before = dump(Path(db))
    code, out, _ = run(capsys, "--db", db, "init")
    assert code == 0
    assert "已在数据库中" in out
    assert dump(Path(db)) == before


# ----------------------------------------------------------------------------------------------- assign

def test_assign_then_tree_shows_it(capsys, db):
    code, out, err = run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委", "--co", "市财政局",
                         "--leader", "张三（副市长）", "--start", "2025-01-01", "--deadline", "2026-12-31",
                         "--cycle", "每月")
    assert code == 0, err
    assert "已保存分工" in out
    assert "牵头：市发展改革委" in out
    m = measure(tree(capsys, db), "1.1")
    assert m["lead"] == "市发展改革委"
    assert m["co"] == ["市财政局"]
    assert m["leader"] == "张三（副市长）"
    assert m["start"] == "2025-01-01"
    assert m["deadline"] == "2026-12-31"
    assert m["cycle"] == "monthly"
    assert m["light"] in {"green", "yellow", "red"}
    assert measure(tree(capsys, db), "1.2")["lead"] is None


def test_assign_deadline_changqi(capsys, db):
    code, _, err = run(capsys, "--db", db, "assign", "1.1", "--lead", "发改委", "--deadline", "长期")
    assert code == 0, err
    m = measure(tree(capsys, db), "1.1")
    assert m["deadline"] == "长期"
    assert m["lead"] == "市发展改革委"
    assert m["expected_progress"] is None


def test_assign_co_replaces_and_no_co_clears(capsys, db):
    run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委", "--co", "市财政局", "--co", "市科技局")
    assert set(measure(tree(capsys, db), "1.1")["co"]) == {"市财政局", "市科技局"}
    assert run(capsys, "--db", db, "assign", "1.1", "--co", "市商务局")[0] == 0
    assert measure(tree(capsys, db), "1.1")["co"] == ["市商务局"]
    assert run(capsys, "--db", db, "assign", "1.1", "--no-co")[0] == 0
    m = measure(tree(capsys, db), "1.1")
    assert m["co"] == []
    assert m["lead"] == "市发展改革委"


def test_show_json_has_the_assignment(capsys, db):
    run(capsys, "--db", db, "assign", "2.1", "--lead", "市财政局", "--deadline", "2026-06-30", "--due-day", "10")
    code, out, _ = run(capsys, "--db", db, "show", "2.1", "--json")
    assert code == 0
    shown = json.loads(out)
    assert (shown["code"], shown["lead"], shown["deadline"], shown["due_day"]) == ("2.1", "市财政局", "2026-06-30", 10)


# ----------------------------------------------------------------------------------------------- updates

def test_update_then_history_json(capsys, db):
    code, out, err = run(capsys, "--db", db, *UPDATE, "--text", "召开项目推进会", "--problems", "资金不足",
                         "--next", "加快拨付")
    assert code == 0, err
    assert "已报送 1.1" in out
    assert "待审核" in out
    code, out, _ = run(capsys, "--db", db, "history", "1.1", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 1
    row = rows[0]
    assert set(row) >= HISTORY_KEYS
    assert row["period"] == str(Period.of(date.today()))
    assert row["status"] == "正常推进"
    assert row["progress"] == 40
    assert row["text"] == "召开项目推进会"
    assert row["problems"] == "资金不足"
    assert row["next"] == "加快拨付"
    assert row["reporter"] == "测试员"  # ZZDESK_USER, set by the autouse fixture
    assert row["review"] == "submitted"
    assert row["created_at"]
    m = measure(tree(capsys, db), "1.1")
    assert (m["status"], m["progress"]) == ("正常推进", 40)


def test_update_accepts_percent_and_full_width_progress(capsys, db):
    for code, progress in (("1.1", "80%"), ("1.2", "６５")):
        result = run(capsys, "--db", db, "update", code, "--status", "正常推进", "--progress", progress, "--text", "甲")
        assert result[0] == 0, result
    data = tree(capsys, db)
    assert (measure(data, "1.1")["progress"], measure(data, "1.2")["progress"]) == (80, 65)


def test_user_option_is_the_reporter(capsys, db):
    run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委")
    add_account(capsys, db, "李联络员", "--role", "liaison", "--dept", "市发展改革委")
    run(capsys, "--db", db, "--user", "李联络员", *UPDATE, "--text", "有进展")
    _, out, _ = run(capsys, "--db", db, "history", "1.1", "--json")
    assert json.loads(out)[0]["reporter"] == "李联络员"


def test_review_accept_and_return(capsys, db):
    run(capsys, "--db", db, *UPDATE, "--text", "第一次", "--period", "2025-09")
    run(capsys, "--db", db, *UPDATE, "--text", "第二次", "--period", "2025-10")
    rows = json.loads(run(capsys, "--db", db, "history", "1.1", "--json")[1])
    newest, oldest = rows[0]["id"], rows[1]["id"]
    assert [r["text"] for r in rows] == ["第二次", "第一次"]

    code, out, _ = run(capsys, "--db", db, "review", str(oldest), "--accept")
    assert code == 0
    assert "已采纳" in out
    code, out, _ = run(capsys, "--db", db, "review", f"#{newest}", "--return", "请补充数据")
    assert code == 0
    assert "已退回" in out
    rows = json.loads(run(capsys, "--db", db, "history", "1.1", "--json")[1])
    assert [(r["review"], r["review_note"]) for r in rows] == [("returned", "请补充数据"), ("accepted", "")]

    before = dump(Path(db))
    assert_refused(*run(capsys, "--db", db, "review", str(oldest), "--accept"), "不能重复审核")
    assert dump(Path(db)) == before
    run(capsys, "--db", db, *UPDATE, "--text", "第三次")
    third = json.loads(run(capsys, "--db", db, "history", "1.1", "--json")[1])[0]["id"]
    before = dump(Path(db))
    assert_refused(*run(capsys, "--db", db, "review", str(third), "--return", "  "), "退回原因")
    assert dump(Path(db)) == before


# ----------------------------------------------------------------------------------------------- refusals: exit 1

def _bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {name: tmp_path / f"{name}.txt" for name in ("empty", "binary", "no-section", "missing")}
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(b"%PDF-1.7\n\x00\x01\x02\x03" + bytes(range(256)) * 8)
    files["no-section"].write_text("《某规划纲要》\n\n一、总体情况\n进展良好。\n\n二、保障措施\n加强领导。\n",
                                   encoding="utf-8")
    return files


REFUSALS = [
    ("unknown-code", ["assign", "9.9", "--lead", "市发展改革委"], ["9.9", "不存在"]),
    ("group-code", ["assign", "1", "--lead", "市发展改革委"], ["任务组"]),
    ("unknown-department", ["assign", "1.1", "--lead", "市不存在局"], ["市不存在局", "不在单位名录"]),
    ("lead-also-co", ["assign", "1.1", "--lead", "市发展改革委", "--co", "市发展改革委"], ["牵头单位", "配合单位"]),
    ("co-and-no-co", ["assign", "1.1", "--lead", "市发展改革委", "--co", "市财政局", "--no-co"], ["--no-co"]),
    ("nothing-to-change", ["assign", "1.1"], ["没有要修改的内容"]),
    ("nonexistent-date", ["assign", "1.1", "--lead", "市发展改革委", "--start", "2025-02-30"],
     ["2025-02-30", "不存在"]),
    ("malformed-date", ["assign", "1.1", "--lead", "市发展改革委", "--deadline", "明年底"], ["明年底", "格式不对"]),
    ("deadline-before-start", ["assign", "1.1", "--lead", "市发展改革委", "--start", "2026-01-01",
                               "--deadline", "2025-12-31"], ["早于"]),
    ("due-day-0", ["assign", "1.1", "--lead", "市发展改革委", "--due-day", "0"], ["报送日"]),
    ("due-day-text", ["assign", "1.1", "--lead", "市发展改革委", "--due-day", "五号"], ["报送日"]),
    ("bad-cycle", ["assign", "1.1", "--lead", "市发展改革委", "--cycle", "每周"], ["报送周期", "每周"]),
    ("progress-120", [*UPDATE[:-1], "120", "--text", "有进展"], ["120", "0 到 100"]),
    ("progress-abc", [*UPDATE[:-1], "abc", "--text", "有进展"], ["abc"]),
    ("progress-negative", [*UPDATE[:-1], "-5", "--text", "有进展"], ["-5"]),
    ("empty-text", [*UPDATE, "--text", ""], ["进展情况", "不能为空"]),
    ("blank-text", [*UPDATE, "--text", "   "], ["进展情况", "不能为空"]),
    ("future-period", [*UPDATE, "--text", "有进展", "--period", FUTURE_PERIOD], [FUTURE_PERIOD, "还没到"]),
    ("bad-period", [*UPDATE, "--text", "有进展", "--period", "2025-13"], ["2025-13"]),
    ("unknown-status", ["update", "1.1", "--status", "不存在", "--progress", "40", "--text", "有进展"],
     ["不存在", "无法识别"]),
    ("completed-below-100", ["update", "1.1", "--status", "已完成", "--progress", "90", "--text", "基本完成"],
     ["已完成", "100"]),
    ("update-unknown-code", ["update", "9.9", "--status", "正常推进", "--progress", "40", "--text", "有进展"], ["9.9"]),
    ("history-unknown-code", ["history", "9.9"], ["9.9"]),
    ("review-unknown", ["review", "999", "--accept"], ["999"]),
    ("split-unknown-code", ["split", "9.9"], ["9.9"]),
    ("import-empty-file", ["import-plan", "@empty"], ["是空的"]),
    ("import-binary-file", ["import-plan", "@binary"], ["不是文本文件"]),
    ("import-no-key-tasks", ["import-plan", "@no-section"], ["重点任务"]),
    ("import-missing-file", ["import-plan", "@missing"], ["找不到文件"]),
    ("department-unknown-kind", ["departments", "add", "新单位", "--kind", "不存在"], ["单位类别", "不存在"]),
    ("department-duplicate", ["departments", "add", "市财政局"], ["已存在"]),
]


@pytest.mark.parametrize(("argv", "words"), [(a, w) for _, a, w in REFUSALS], ids=[name for name, _, _ in REFUSALS])
def test_refusal_exits_1_with_one_chinese_line_and_writes_nothing(capsys, tmp_path, db_file, argv, words):
    files = _bad_files(tmp_path)
    argv = [str(files[a[1:]]) if a.startswith("@") else a for a in argv]
    before = dump(db_file)
    code, out, err = run(capsys, "--db", str(db_file), *argv)
    assert_refused(code, out, err, *words)
    assert dump(db_file) == before


def test_refused_update_leaves_history_empty(capsys, db):
    run(capsys, "--db", db, *UPDATE[:-1], "120", "--text", "有进展")
    code, out, _ = run(capsys, "--db", db, "history", "1.1", "--json")
    assert code == 0
    assert json.loads(out) == []


def test_refused_change_keeps_the_previous_assignment(capsys, db):
    run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委", "--start", "2025-01-01", "--deadline",
        "2026-12-31")
    before = dump(Path(db))
    assert_refused(*run(capsys, "--db", db, "assign", "1.1", "--start", "2027-01-01"), "早于")
    assert dump(Path(db)) == before
    m = measure(tree(capsys, db), "1.1")
    assert (m["start"], m["deadline"]) == ("2025-01-01", "2026-12-31")


def test_due_day_with_a_non_decimal_digit_is_refused_not_a_crash(capsys, db):
    # "²" passes str.isdigit() but int() refuses it: must be a refusal (exit 1), not an internal error (exit 3).
    before = dump(Path(db))
    code, out, err = run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委", "--due-day", "²")
    assert_refused(code, out, err, "报送日")
    assert dump(Path(db)) == before


def test_db_that_is_not_sqlite_is_refused_and_left_alone(capsys, tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("这是一份会议记录，不是数据库。\n", encoding="utf-8")
    before = path.read_bytes()
    for argv in (["tree"], ["init"], ["check"]):
        code, out, err = run(capsys, "--db", str(path), *argv)
        assert_refused(code, out, err, "不是 zzdesk 数据库")
    assert path.read_bytes() == before


def test_db_that_is_a_folder_is_refused(capsys, tmp_path):
    assert_refused(*run(capsys, "--db", str(tmp_path), "tree"), "文件夹")


def test_db_in_a_missing_folder_is_refused(capsys, tmp_path):
    path = tmp_path / "没有这个文件夹" / "ledger.sqlite3"
    assert_refused(*run(capsys, "--db", str(path), "init"), "不存在")
    assert not path.parent.exists()


def test_db_from_a_newer_app_is_refused_and_left_unchanged(capsys, db_file):
    connection = sqlite3.connect(db_file)
    with connection:
        connection.execute("UPDATE alembic_version SET version_num = '9999_future'")
    connection.close()
    before = db_file.read_bytes()
    backups_before = sorted((db_file.parent / "backups").glob("*"))
    for argv in (["tree"], ["init"], ["assign", "1.1", "--lead", "市财政局"]):
        code, out, err = run(capsys, "--db", str(db_file), *argv)
        assert_refused(code, out, err, "更新版本")
    assert db_file.read_bytes() == before
    assert sorted((db_file.parent / "backups").glob("*")) == backups_before  # no migration (nor its backup)
    connection = sqlite3.connect(db_file)
    try:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_future",)
    finally:
        connection.close()


# ----------------------------------------------------------------------------------------------- usage: exit 2

def test_unknown_command_is_a_usage_error(capsys, tmp_path):
    path = tmp_path / "never.sqlite3"
    code, _, err = run(capsys, "--db", str(path), "frobnicate")
    assert code == 2
    assert "用法" in err
    assert "frobnicate" in err
    assert "Traceback" not in err
    assert not path.exists()


def test_missing_required_status_is_a_usage_error(capsys, db):
    before = dump(Path(db))
    code, _, err = run(capsys, "--db", db, "update", "1.1", "--progress", "40", "--text", "有进展")
    assert code == 2
    assert "用法" in err
    assert "--status" in err
    assert dump(Path(db)) == before


def test_review_needs_accept_or_return(capsys, db):
    code, _, err = run(capsys, "--db", db, "review", "1")
    assert code == 2
    assert "用法" in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    assert "用法" in out
    assert "assign" in out


# ----------------------------------------------------------------------------------------------- maintenance

def test_check_passes(capsys, db):
    code, out, err = run(capsys, "--db", db, "check")
    assert code == 0, err
    assert "检查通过" in out
    assert "举措 33" in out


def test_check_reports_a_broken_invariant(capsys, db):
    run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委")
    connection = sqlite3.connect(db)
    with connection:
        connection.execute("INSERT INTO task_co_department (task_id, department_id) "
                           "SELECT id, lead_department_id FROM task WHERE code = '1.1'")
    connection.close()
    code, out, err = run(capsys, "--db", db, "check")
    assert code == 1
    assert "检查通过" not in out
    assert "1.1 的牵头单位同时被列为配合单位" in out
    assert err.startswith("错误：")


def test_backup_out_creates_a_copy(capsys, db, tmp_path):
    run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委")
    out_file = tmp_path / "copies" / "台账-备份.sqlite3"
    code, out, err = run(capsys, "--db", db, "backup", "--out", str(out_file))
    assert code == 0, err
    assert "已备份到" in out
    assert str(out_file) in out
    assert out_file.is_file()
    connection = sqlite3.connect(out_file)
    try:
        assert connection.execute("SELECT count(*) FROM task").fetchone() == (33,)
        assert connection.execute("SELECT count(*) FROM task WHERE lead_department_id IS NOT NULL").fetchone() == (1,)
    finally:
        connection.close()
    # The copy is itself a usable database.
    assert measure(tree(capsys, str(out_file)), "1.1")["lead"] == "市发展改革委"


def test_backup_onto_an_existing_file_is_refused(capsys, db, tmp_path):
    out_file = tmp_path / "exists.sqlite3"
    out_file.write_bytes(b"old")
    assert_refused(*run(capsys, "--db", db, "backup", "--out", str(out_file)), "已存在")
    assert out_file.read_bytes() == b"old"


def test_import_plan_into_a_new_database(capsys, tmp_path):
    path = tmp_path / "new.sqlite3"
    source = Path(__file__).resolve().parents[1] / "resources" / "plan" / "zhengzhou-14th-fyp-midterm-review.txt"
    gbk = tmp_path / "规划.txt"
    gbk.write_bytes(source.read_text(encoding="utf-8").encode("gbk", errors="replace"))
    code, out, err = run(capsys, "--db", str(path), "import-plan", str(gbk))
    assert code == 0, err
    assert "已导入规划" in out
    assert "33 项举措" in out
    data = tree(capsys, str(path))
    assert data["plan"]["measures"] == 33
    assert measure(data, "1.1")["title"] == "紧盯项目扩投资"


def test_import_plan_refused_once_assigned(capsys, db, tmp_path):
    source = Path(__file__).resolve().parents[1] / "resources" / "plan" / "zhengzhou-14th-fyp-midterm-review.txt"
    run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委")
    before = dump(Path(db))
    assert_refused(*run(capsys, "--db", db, "import-plan", str(source)), "不能替换")
    assert dump(Path(db)) == before


# ----------------------------------------------------------------------------------------------- departments

def test_departments_json_lists_the_directory(capsys, db):
    code, out, _ = run(capsys, "--db", db, "departments", "--json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 72
    ndrc = next(r for r in rows if r["name"] == "市发展改革委")
    assert ndrc == {"name": "市发展改革委", "short_name": "发改委", "kind": "市直部门", "active": True}


def test_departments_add_then_listed(capsys, db):
    code, out, err = run(capsys, "--db", db, "departments", "add", "新单位", "--kind", "其他", "--short", "新")
    assert code == 0, err
    assert "已添加单位：新单位（其他）" in out
    rows = json.loads(run(capsys, "--db", db, "departments", "--json")[1])
    assert {"name": "新单位", "short_name": "新", "kind": "其他", "active": True} in rows
    code, out, _ = run(capsys, "--db", db, "departments")
    assert "新单位" in out
    # The new department can lead a measure.
    assert run(capsys, "--db", db, "assign", "1.1", "--lead", "新单位")[0] == 0
    assert measure(tree(capsys, db), "1.1")["lead"] == "新单位"


def test_departments_add_with_unknown_kind_is_not_listed(capsys, db):
    assert_refused(*run(capsys, "--db", db, "departments", "add", "新单位", "--kind", "不存在"), "不存在")
    rows = json.loads(run(capsys, "--db", db, "departments", "--json")[1])
    assert "新单位" not in {r["name"] for r in rows}


# ----------------------------------------------------------------------------------------------- which database

def test_zzdesk_db_environment_variable_is_used(capsys, tmp_path, monkeypatch):
    path = tmp_path / "from-env.sqlite3"
    monkeypatch.setenv("ZZDESK_DB", str(path))
    code, _, err = run(capsys, "init")
    assert code == 0, err
    assert path.is_file()
    add_account(capsys, str(path))
    run(capsys, "assign", "1.1", "--lead", "市财政局")
    # --db is the same file: it sees the assignment.
    assert measure(tree(capsys, str(path)), "1.1")["lead"] == "市财政局"
    assert not (Path(os.environ["ZZDESK_DATA_DIR"]) / "zzdesk.sqlite3").exists()


def test_db_option_wins_over_the_environment(capsys, tmp_path, monkeypatch):
    env_path, option_path = tmp_path / "env.sqlite3", tmp_path / "option.sqlite3"
    monkeypatch.setenv("ZZDESK_DB", str(env_path))
    assert run(capsys, "--db", str(option_path), "init")[0] == 0
    assert option_path.is_file()
    assert not env_path.exists()


def test_default_database_is_created_in_the_data_dir_with_the_plan(capsys):
    default = Path(os.environ["ZZDESK_DATA_DIR"]) / "zzdesk.sqlite3"
    assert not default.exists()
    code, out, err = run(capsys, "info")
    assert code == 0, err
    assert default.is_file()
    assert "已新建数据库" in err
    assert str(default) in err
    assert f"数据库：{default}" in out
    assert "8 个任务组、33 项举措" in out
    assert "用法" in out  # the overview ends with the help

    code, out, err = run(capsys, "info")
    assert code == 0
    assert "已新建数据库" not in err
    assert "33 项举措" in out
    assert tree(capsys, str(default))["plan"]["measures"] == 33


def test_first_command_on_a_new_file_loads_the_plan(capsys, tmp_path):
    path = str(tmp_path / "fresh.sqlite3")
    code, _, err = run(capsys, "--db", path, "assign", "1.1", "--lead", "市发展改革委")
    assert code == 0, err
    assert "已新建数据库" in err
    assert "33 项举措" in err
    assert measure(tree(capsys, path), "1.1")["lead"] == "市发展改革委"


# ----------------------------------------------------------------------------------------------- the real program

def test_module_entry_point_end_to_end(tmp_path):
    db = str(tmp_path / "子进程.sqlite3")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}

    def zzdesk(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "zzdesk", "--db", db, *argv], capture_output=True,
                              encoding="utf-8", env=env, cwd=tmp_path, timeout=60, check=False)

    result = zzdesk("init")
    assert result.returncode == 0, result.stderr
    assert "33 项举措" in result.stdout
    result = zzdesk("--user", ADMIN, "user", "add", "测试员", "--role", "clerk")
    assert result.returncode == 0, result.stderr
    result = zzdesk("assign", "1.1", "--lead", "市发展改革委", "--deadline", "长期")
    assert result.returncode == 0, result.stderr
    result = zzdesk("update", "1.1", "--status", "持续推进", "--progress", "30", "--text", "按月调度")
    assert result.returncode == 0, result.stderr
    result = zzdesk("tree", "--json")
    assert result.returncode == 0, result.stderr
    m = measure(json.loads(result.stdout), "1.1")
    assert (m["lead"], m["deadline"], m["status"], m["progress"]) == ("市发展改革委", "长期", "持续推进", 30)
    result = zzdesk("assign", "9.9", "--lead", "市发展改革委")
    assert result.returncode == 1
    assert result.stderr.startswith("错误：")
    assert "Traceback" not in result.stderr
    result = zzdesk("no-such-command")
    assert result.returncode == 2
    assert "用法" in result.stderr


# ----------------------------------------------------------------------------------------------- directory and settings


def test_deactivated_department_cannot_be_assigned_until_reactivated(capsys, db):
    code, out, _ = run(capsys, "--db", db, "departments", "deactivate", "市统计局")
    assert code == 0 and "已停用单位：市统计局" in out
    before = dump(Path(db))
    assert_refused(*run(capsys, "--db", db, "assign", "1.1", "--lead", "市统计局"), "已停用")
    assert dump(Path(db)) == before
    listed = json.loads(run(capsys, "--db", db, "departments", "--json")[1])
    assert {"name": "市统计局", "short_name": "统计局", "kind": "市直部门", "active": False} in listed
    assert run(capsys, "--db", db, "departments", "activate", "统计局")[0] == 0
    assert run(capsys, "--db", db, "assign", "1.1", "--lead", "市统计局")[0] == 0
    assert measure(tree(capsys, db), "1.1")["lead"] == "市统计局"


def test_renamed_department_keeps_its_assignments(capsys, db):
    assert run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委")[0] == 0
    code, out, _ = run(capsys, "--db", db, "departments", "rename", "市发展改革委", "市发展和改革委员会")
    assert code == 0 and "市发展和改革委员会" in out
    assert measure(tree(capsys, db), "1.1")["lead"] == "市发展和改革委员会"
    assert_refused(*run(capsys, "--db", db, "departments", "rename", "市财政局", "市发展和改革委员会"), "已存在")
    assert_refused(*run(capsys, "--db", db, "departments", "deactivate", "不存在的局"), "不在单位名录中")


def test_settings_change_the_light_thresholds(capsys, db):
    code, out, _ = run(capsys, "--db", db, "settings")
    assert code == 0 and "light.due_soon_days = 30" in out
    deadline = date.fromordinal(date.today().toordinal() + 40).isoformat()
    assert run(capsys, "--db", db, "assign", "1.1", "--lead", "市发展改革委", "--deadline", deadline)[0] == 0
    assert "距完成时限不足60天" not in measure(tree(capsys, db), "1.1")["light_reasons"]
    assert run(capsys, "--db", db, "settings", "set", "light.due_soon_days", "60")[0] == 0
    data = measure(tree(capsys, db), "1.1")
    assert data["light"] == "yellow" and "距完成时限不足60天" in data["light_reasons"]
    before = dump(Path(db))
    assert_refused(*run(capsys, "--db", db, "settings", "set", "light.due_soon_days", "²"), "1 到 365")
    assert_refused(*run(capsys, "--db", db, "settings", "set", "no.such.key", "3"), "没有设置项")
    assert dump(Path(db)) == before


def test_no_command_opens_the_main_window_on_the_chosen_database(capsys, monkeypatch, tmp_path):
    opened: list[tuple[str | None, str]] = []
    monkeypatch.setattr("zzdesk.ui.launch.run_gui", lambda db, actor: opened.append((db, actor)) or 0)
    assert run(capsys, "--db", str(tmp_path / "x.sqlite3"), "--user", "王芳")[0] == 0
    assert run(capsys)[0] == 0
    assert run(capsys, f"--db={tmp_path / 'y.sqlite3'}", "gui")[0] == 0
    assert opened == [(str(tmp_path / "x.sqlite3"), "王芳"), (None, "测试员"), (str(tmp_path / "y.sqlite3"), "测试员")]
    code, out, _ = run(capsys, "gui", "--help")  # the full parser's help, not a window
    assert code == 0 and "用法：zzdesk gui" in out and len(opened) == 3


def test_the_window_path_loads_no_data_layer_before_the_window_shows():
    """``zzdesk`` shows its first window after importing Qt only; SQLAlchemy, Alembic, matplotlib and openpyxl
    (over a second together) load after it is on screen."""
    probe = ("import sys; from zzdesk.cli import window_request; import zzdesk.ui.launch; "
             "print(window_request([]) is not None, sorted(m for m in ('sqlalchemy', 'sqlmodel', 'alembic', "
             "'matplotlib', 'openpyxl', 'reportlab', 'zzdesk.ui.main_window') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "True []", done.stderr


def test_without_a_screen_the_gui_explains_instead_of_crashing(capsys, monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    code, _, err = run(capsys, "gui")
    assert code == 1
    assert err.startswith("错误：没有图形显示环境") and "zzdesk snapshot" in err
