"""Accounts on the command line: the first administrator at ``init``, ``zzdesk user …``, and logging in before any
command that changes data (exit 1 with a Chinese message and nothing written when the login fails)."""

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from zzdesk.cli import login, main
from zzdesk.domain.roles import Role
from zzdesk.services.demo import DEMO_ACCOUNTS

ADMIN, ADMIN_PASSWORD = "管理员", "Admin-pass-2025"
CLERK, CLERK_PASSWORD = "王芳", "Clerk-pass-2025"
SECRETS = ("ZZDESK_USER", "ZZDESK_PASSWORD", "ZZDESK_NEW_PASSWORD", "ZZDESK_ADMIN_NAME", "ZZDESK_ADMIN_PASSWORD")
ASSIGN = ["assign", "1.1", "--lead", "市发展改革委"]


@pytest.fixture(autouse=True)
def _no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets exactly the names and passwords it means to; nobody is at a terminal unless a test says so."""
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(login, "interactive", lambda: False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def table(path: Path, sql: str) -> list[tuple]:
    connection = sqlite3.connect(path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def ledger_dump(path: Path) -> str:
    """Every row but the audit trail's and the accounts' (a failed login is audited and counted)."""
    connection = sqlite3.connect(path)
    try:
        skipped = ('INSERT INTO "audit_entry"', 'INSERT INTO "audit_head"', 'INSERT INTO "user_account"')
        return "\n".join(line for line in connection.iterdump() if not line.startswith(skipped))
    finally:
        connection.close()


def full_dump(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def as_user(monkeypatch: pytest.MonkeyPatch, name: str, password: str | None) -> None:
    monkeypatch.setenv("ZZDESK_USER", name)
    if password is None:
        monkeypatch.delenv("ZZDESK_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("ZZDESK_PASSWORD", password)


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A database from ``zzdesk init`` with the administrator from the environment and a clerk."""
    path = tmp_path / "台账.sqlite3"
    with monkeypatch.context() as patch:
        patch.setenv("ZZDESK_ADMIN_NAME", ADMIN)
        patch.setenv("ZZDESK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        code, out, err = run(capsys, "--db", str(path), "init")
        assert code == 0, err
        assert f"已创建系统管理员账号：{ADMIN}" in out
        patch.setenv("ZZDESK_PASSWORD", ADMIN_PASSWORD)
        patch.setenv("ZZDESK_NEW_PASSWORD", CLERK_PASSWORD)
        code, out, err = run(capsys, "--db", str(path), "--user", ADMIN, "user", "add", CLERK, "--role", "clerk")
        assert code == 0, err
    yield path


def assert_refused(result: tuple[int, str, str], *words: str) -> str:
    code, out, err = result
    assert code == 1, (out, err)
    line = err.strip()
    assert "\n" not in line and line.startswith("错误：") and "Traceback" not in line, err
    for word in words:
        assert word in line, line
    return line


# ----------------------------------------------------------------------------------------------- first run

def test_init_without_an_administrator_is_refused_and_creates_no_account(capsys, tmp_path):
    path = tmp_path / "new.sqlite3"
    assert_refused(run(capsys, "--db", str(path), "init"), "ZZDESK_ADMIN_NAME", "ZZDESK_ADMIN_PASSWORD")
    assert table(path, "SELECT count(*) FROM user_account") == [(0,)]
    assert table(path, "SELECT count(*) FROM task") == [(0,)]  # asked before anything is loaded


def test_init_refuses_a_weak_administrator_password_with_the_policy(capsys, tmp_path, monkeypatch):
    path = tmp_path / "new.sqlite3"
    monkeypatch.setenv("ZZDESK_ADMIN_NAME", ADMIN)
    monkeypatch.setenv("ZZDESK_ADMIN_PASSWORD", "123456")
    assert_refused(run(capsys, "--db", str(path), "init"), "密码不符合要求", "至少 10 位")
    assert table(path, "SELECT count(*) FROM user_account") == [(0,)]


def test_init_at_a_terminal_asks_for_the_administrator_twice(capsys, tmp_path, monkeypatch):
    path = tmp_path / "new.sqlite3"
    monkeypatch.setattr(login, "interactive", lambda: True)
    monkeypatch.setattr(login, "_ask", lambda label: "张主任")
    typed = iter(["Admin-pass-2025", "Admin-pass-2025"])
    monkeypatch.setattr(login.getpass, "getpass", lambda prompt: next(typed))
    code, out, err = run(capsys, "--db", str(path), "init")
    assert code == 0, err
    assert "已创建系统管理员账号：张主任" in out
    assert table(path, "SELECT name, role, must_change_password FROM user_account") == [("张主任", "admin", 0)]


def test_init_refuses_two_different_passwords(capsys, tmp_path, monkeypatch):
    path = tmp_path / "new.sqlite3"
    monkeypatch.setattr(login, "interactive", lambda: True)
    monkeypatch.setattr(login, "_ask", lambda label: "张主任")
    typed = iter(["Admin-pass-2025", "Admin-pass-2026"])
    monkeypatch.setattr(login.getpass, "getpass", lambda prompt: next(typed))
    code, _, err = run(capsys, "--db", str(path), "init")
    assert code == 1
    assert err.strip().splitlines()[-1] == "错误：两次输入的密码不一致，未作修改"
    assert table(path, "SELECT count(*) FROM user_account") == [(0,)]


def test_init_demo_creates_the_documented_accounts(capsys, tmp_path, monkeypatch):
    path = tmp_path / "demo.sqlite3"
    code, out, err = run(capsys, "--db", str(path), "init", "--demo")
    assert code == 0, err
    rows = table(path, "SELECT a.name, a.role, d.name FROM user_account a LEFT JOIN department d "
                       "ON d.id = a.department_id ORDER BY a.id")
    assert rows == [(a.name, a.role.value, a.department) for a in DEMO_ACCOUNTS]
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for account in DEMO_ACCOUNTS:  # each one documented with its password (test_accounts logs each in)
        assert f"`{account.name}`" in readme and f"`{account.password}`" in readme
    admin = next(a for a in DEMO_ACCOUNTS if a.role is Role.ADMIN)
    as_user(monkeypatch, admin.name, admin.password)
    code, out, err = run(capsys, "--db", str(path), "user", "list", "--json")
    assert code == 0, err
    assert {row["name"] for row in json.loads(out)} == {a.name for a in DEMO_ACCOUNTS}


# ----------------------------------------------------------------------------------------------- user …

def test_user_add_list_and_json(capsys, db, monkeypatch):
    as_user(monkeypatch, ADMIN, ADMIN_PASSWORD)
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "Liaison-2025")
    code, out, err = run(capsys, "--db", str(db), "user", "add", "李联络员", "--role", "联络员", "--dept", "发改委")
    assert code == 0, err
    assert "已新增账号：李联络员（联络员，市发展改革委）" in out
    code, out, _ = run(capsys, "--db", str(db), "user", "list")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines == [f"{ADMIN}\t系统管理员\t—\t正常", f"{CLERK}\t督查室\t—\t正常",
                     "李联络员\t联络员\t市发展改革委\t正常"]
    rows = json.loads(run(capsys, "--db", str(db), "user", "list", "--json")[1])
    liaison = next(r for r in rows if r["name"] == "李联络员")
    assert (liaison["role"], liaison["department"], liaison["active"], liaison["locked"]) == (
        "liaison", "市发展改革委", True, False)
    assert "password_hash" not in liaison and not any("argon2" in json.dumps(r) for r in rows)


def test_user_add_refuses_a_liaison_without_department_and_a_weak_password(capsys, db, monkeypatch):
    as_user(monkeypatch, ADMIN, ADMIN_PASSWORD)
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "Liaison-2025")
    assert_refused(run(capsys, "--db", str(db), "user", "add", "甲", "--role", "liaison"), "须指定所属单位")
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "password")
    assert_refused(run(capsys, "--db", str(db), "user", "add", "乙", "--role", "leader"), "密码不符合要求")
    assert_refused(run(capsys, "--db", str(db), "user", "add", "丙", "--role", "boss"), "角色", "无法识别")
    assert table(db, "SELECT count(*) FROM user_account") == [(2,)]


def test_a_clerk_cannot_manage_accounts_and_the_attempt_is_audited(capsys, db, monkeypatch):
    as_user(monkeypatch, CLERK, CLERK_PASSWORD)
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "Sneaky-pass-2025")
    assert_refused(run(capsys, "--db", str(db), "user", "add", "新管理员", "--role", "admin"), "只能由系统管理员")
    assert_refused(run(capsys, "--db", str(db), "user", "passwd", ADMIN), "只能由系统管理员")
    assert_refused(run(capsys, "--db", str(db), "user", "list"), "只能由系统管理员")
    assert table(db, "SELECT count(*) FROM user_account") == [(2,)]
    denied = table(db, "SELECT actor, entity FROM audit_entry WHERE action = 'permission.denied'")
    assert denied == [(CLERK, "user_account")] * 3


def test_own_password_change_with_old_and_new(capsys, db, monkeypatch):
    as_user(monkeypatch, CLERK, CLERK_PASSWORD)
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "Changed-pass-2025")
    code, out, err = run(capsys, "--db", str(db), "user", "passwd", CLERK)
    assert code == 0, err
    assert f"已修改密码：{CLERK}" in out
    assert_refused(run(capsys, "--db", str(db), *ASSIGN), "账号或密码不正确")  # the old one no longer works
    as_user(monkeypatch, CLERK, "Changed-pass-2025")
    assert run(capsys, "--db", str(db), *ASSIGN)[0] == 0


def test_admin_reset_forces_a_change_before_anything_else(capsys, db, monkeypatch):
    as_user(monkeypatch, ADMIN, ADMIN_PASSWORD)
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "Reset-pass-2025")
    code, out, err = run(capsys, "--db", str(db), "user", "passwd", CLERK)
    assert code == 0, err
    assert "下次登录须先修改密码" in out
    as_user(monkeypatch, CLERK, "Reset-pass-2025")
    before = ledger_dump(db)
    assert_refused(run(capsys, "--db", str(db), *ASSIGN), "须先修改密码", f"user passwd {CLERK}")
    assert ledger_dump(db) == before
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", "Mine-again-2025")
    assert run(capsys, "--db", str(db), "user", "passwd", CLERK)[0] == 0
    as_user(monkeypatch, CLERK, "Mine-again-2025")
    assert run(capsys, "--db", str(db), *ASSIGN)[0] == 0


def test_deactivate_and_activate(capsys, db, monkeypatch):
    as_user(monkeypatch, ADMIN, ADMIN_PASSWORD)
    code, out, _ = run(capsys, "--db", str(db), "user", "deactivate", CLERK)
    assert code == 0 and f"已停用账号：{CLERK}" in out
    assert f"{CLERK}\t督查室\t—\t已停用" in run(capsys, "--db", str(db), "user", "list")[1]
    as_user(monkeypatch, CLERK, CLERK_PASSWORD)
    assert_refused(run(capsys, "--db", str(db), *ASSIGN), "账号已停用")
    as_user(monkeypatch, ADMIN, ADMIN_PASSWORD)
    assert run(capsys, "--db", str(db), "user", "activate", CLERK)[0] == 0
    as_user(monkeypatch, CLERK, CLERK_PASSWORD)
    assert run(capsys, "--db", str(db), *ASSIGN)[0] == 0


# ----------------------------------------------------------------------------------------------- logging in

def test_a_change_without_a_name_or_password_is_refused_and_writes_nothing(capsys, db, monkeypatch):
    before = full_dump(db)
    assert_refused(run(capsys, "--db", str(db), *ASSIGN), "--user", "ZZDESK_USER")
    as_user(monkeypatch, CLERK, None)
    assert_refused(run(capsys, "--db", str(db), *ASSIGN), "密码", "ZZDESK_PASSWORD")
    assert full_dump(db) == before


def test_a_wrong_password_exits_1_is_audited_and_changes_nothing(capsys, db, monkeypatch):
    as_user(monkeypatch, CLERK, "Not-my-pass-1")
    before = ledger_dump(db)
    assert_refused(run(capsys, "--db", str(db), *ASSIGN), "账号或密码不正确")
    assert_refused(run(capsys, "--db", str(db), "--user", "无此人", *ASSIGN), "账号或密码不正确")
    assert ledger_dump(db) == before
    rows = table(db, "SELECT actor, outcome FROM audit_entry WHERE action = 'user.login' ORDER BY id")
    assert rows[-2:] == [(CLERK, "denied"), ("无此人", "denied")]


def test_the_logged_in_person_is_the_actor_of_the_change(capsys, db, monkeypatch):
    as_user(monkeypatch, CLERK, CLERK_PASSWORD)
    assert run(capsys, "--db", str(db), *ASSIGN)[0] == 0
    assert table(db, "SELECT actor, outcome FROM audit_entry WHERE action = 'task.assign'") == [(CLERK, "ok")]
    assert table(db, "SELECT actor, outcome FROM audit_entry WHERE action = 'user.login'")[-1] == (CLERK, "ok")


def test_the_password_can_be_typed_at_a_terminal(capsys, db, monkeypatch):
    monkeypatch.setattr(login, "interactive", lambda: True)
    monkeypatch.setattr(login.getpass, "getpass", lambda prompt: CLERK_PASSWORD if CLERK in prompt else "")
    assert run(capsys, "--db", str(db), "--user", CLERK, *ASSIGN)[0] == 0


def test_reading_commands_need_no_login(capsys, db):
    for argv in (["tree", "--json"], ["show", "1.1"], ["history", "1.1"], ["check"], ["departments"],
                 ["settings"], ["split", "1.1"], ["report", "archive"]):
        code, _, err = run(capsys, "--db", str(db), *argv)
        assert code == 0, (argv, err)


def test_a_database_without_accounts_works_as_before_until_an_admin_is_added(capsys, tmp_path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    assert run(capsys, "--db", str(path), *ASSIGN)[0] == 0  # created on first use: no accounts, no login
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", CLERK_PASSWORD)
    assert_refused(run(capsys, "--db", str(path), "user", "add", CLERK, "--role", "clerk"), "第一个账号须为系统管理员")
    monkeypatch.setenv("ZZDESK_NEW_PASSWORD", ADMIN_PASSWORD)
    code, _, err = run(capsys, "--db", str(path), "user", "add", ADMIN, "--role", "admin")
    assert code == 0, err
    assert_refused(run(capsys, "--db", str(path), "assign", "1.2", "--lead", "市科技局"), "--user")
