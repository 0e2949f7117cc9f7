"""Accounts and login in the services: how passwords are stored, the policy, lock-out, audit rows, who may manage.

Checked as an auditor would: the stored hash string read back from the table, the audit rows written, the
messages a person sees.
"""

import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from argon2 import PasswordHasher, Type, extract_parameters
from sqlmodel import select

from zzdesk.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from zzdesk.domain.passwords import password_problems
from zzdesk.domain.roles import CurrentUser, Role
from zzdesk.services import accounts, demo
from zzdesk.services.accounts import LoginFailedError
from zzdesk.services.context import ServiceContext
from zzdesk.store.session import read_session
from zzdesk.store.tables import AuditEntry, UserAccount

ADMIN_PASSWORD = "Admin-pass-2025"
CLERK_PASSWORD = "Clerk-pass-2025"
# OWASP Password Storage Cheat Sheet: Argon2id with at least 19 MiB of memory, 2 iterations, 1 degree of parallelism.
OWASP_MEMORY_KIB, OWASP_TIME, OWASP_PARALLELISM = 19 * 1024, 2, 1


class Clock:
    """ctx.now that a test moves forward."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture
def clock(ctx: ServiceContext) -> Clock:
    return Clock(ctx.now())


@pytest.fixture
def office(ctx: ServiceContext, clock: Clock) -> ServiceContext:
    """A database with an administrator and a clerk; the program's context on a movable clock."""
    program = dataclasses.replace(ctx, now=clock)
    accounts.create_first_admin(program, "管理员", ADMIN_PASSWORD)
    accounts.add_user(program, "王芳", Role.CLERK, password=CLERK_PASSWORD)
    return program


def acting(ctx: ServiceContext, name: str, role: Role) -> ServiceContext:
    return dataclasses.replace(ctx, user=CurrentUser(name=name, role=role), actor=name)


def stored(ctx: ServiceContext, name: str) -> UserAccount:
    with read_session(ctx.engine) as session:
        return session.exec(select(UserAccount).where(UserAccount.name == name)).one()


def audit_rows(ctx: ServiceContext, action: str) -> list[AuditEntry]:
    with read_session(ctx.engine) as session:
        return list(session.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def refused(call: Callable[[], object], error: type[Exception] = LoginFailedError) -> str:
    with pytest.raises(error) as caught:
        call()
    return caught.value.message


# ----------------------------------------------------------------------------------------------- stored hashes

def test_stored_hash_is_argon2id_at_or_above_the_owasp_minimum(office):
    row = stored(office, "王芳")
    assert row.password_hash.startswith("$argon2id$")
    assert CLERK_PASSWORD not in row.password_hash
    params = extract_parameters(row.password_hash)
    assert params.type is Type.ID
    assert params.memory_cost >= OWASP_MEMORY_KIB
    assert params.time_cost >= OWASP_TIME
    assert params.parallelism >= OWASP_PARALLELISM
    assert params.salt_len >= 16
    # Two accounts with the same password get different salts, hence different hashes.
    accounts.add_user(office, "李明", Role.CLERK, password=CLERK_PASSWORD)
    assert stored(office, "李明").password_hash != row.password_hash


def test_login_rehashes_a_password_stored_with_weaker_parameters(office, monkeypatch):
    with monkeypatch.context() as patch:  # an account created by an older version with the OWASP minimum
        patch.setattr(accounts, "HASHER", PasswordHasher(time_cost=OWASP_TIME, memory_cost=OWASP_MEMORY_KIB,
                                                         parallelism=OWASP_PARALLELISM, type=Type.ID))
        accounts.add_user(office, "老账号", Role.LEADER, password="Old-params-2020")
    before = extract_parameters(stored(office, "老账号").password_hash)
    assert before.memory_cost == OWASP_MEMORY_KIB

    user = accounts.authenticate(office, "老账号", "Old-params-2020")
    assert user.role is Role.LEADER
    after = extract_parameters(stored(office, "老账号").password_hash)
    current = extract_parameters(accounts.HASHER.hash("x"))
    assert (after.memory_cost, after.time_cost, after.parallelism) == (
        current.memory_cost, current.time_cost, current.parallelism)
    assert after.memory_cost > before.memory_cost
    login = audit_rows(office, accounts.LOGIN)[-1]
    assert f"m={OWASP_MEMORY_KIB} KiB" in json.loads(login.changes)["password"][0]
    # The password still works, and an up-to-date hash is left alone.
    rehashed = stored(office, "老账号").password_hash
    accounts.authenticate(office, "老账号", "Old-params-2020")
    assert stored(office, "老账号").password_hash == rehashed


# ----------------------------------------------------------------------------------------------- the policy

@pytest.mark.parametrize(("password", "name", "fix"), [
    ("Ab1!xyz", "李明", "长度至少 10 位（现为 7 位）"),
    ("abcdefghijkl", "李明", "至少 3 种（还可加入：大写字母、数字、符号）"),
    ("ABCDEFGH1234", "李明", "还可加入：小写字母、符号"),
    ("wangfang-2025", "wangfang", "不能包含账号名"),
    ("Xwangfang2025", "WangFang", "不能包含账号名"),
    (" Padded-pass1 ", "李明", "首尾不能有空格"),
])
def test_weak_passwords_are_refused_saying_what_to_fix(office, password, name, fix):
    message = refused(lambda: accounts.add_user(office, name, Role.CLERK, password=password), ValidationError)
    assert message.startswith("密码不符合要求：")
    assert fix in message
    with read_session(office.engine) as session:
        assert session.exec(select(UserAccount).where(UserAccount.name == name)).first() is None


@pytest.mark.parametrize("password", ["Zz-ledger-2025", "督查室abcd1234", "correct horse 42", "ABCD-efgh-ij"])
def test_passwords_with_three_kinds_and_ten_characters_pass(password):
    assert password_problems(password, "王芳") == []


def test_every_problem_is_listed_at_once():
    problems = password_problems("wf", "wf")
    assert len(problems) == 3
    assert any("长度" in p for p in problems) and any("至少 3 种" in p for p in problems)
    assert "不能包含账号名" in problems


# ----------------------------------------------------------------------------------------------- logging in

def test_login_returns_the_person_with_role_and_department(office):
    accounts.add_user(office, "发改委联络员", Role.LIAISON, password="Liaison-2025", department="发改委")
    admin = accounts.authenticate(office, "管理员", ADMIN_PASSWORD)
    assert (admin.name, admin.role, admin.department) == ("管理员", Role.ADMIN, None)
    liaison = accounts.authenticate(office, " 发改委联络员 ", "Liaison-2025")
    assert (liaison.role, liaison.department) == (Role.LIAISON, "市发展改革委")
    assert liaison.department_id is not None


def test_unknown_name_and_wrong_password_get_the_same_message(office):
    unknown = refused(lambda: accounts.authenticate(office, "不存在的人", CLERK_PASSWORD))
    wrong = refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-2025"))
    assert unknown == wrong == "账号或密码不正确"


def test_every_login_attempt_is_audited_under_the_name_typed(office):
    accounts.authenticate(office, "王芳", CLERK_PASSWORD)
    refused(lambda: accounts.authenticate(office, "王芳", "nope"))
    refused(lambda: accounts.authenticate(office, "张三", "nope"))
    rows = audit_rows(office, accounts.LOGIN)
    assert [(r.actor, r.entity_key, r.outcome) for r in rows] == [
        ("王芳", "王芳", "ok"), ("王芳", "王芳", "denied"), ("张三", "张三", "denied")]
    assert json.loads(rows[1].changes)["reason"] == [None, "密码错误"]
    assert json.loads(rows[2].changes)["reason"] == [None, "账号不存在"]
    assert all("nope" not in row.changes for row in rows)


def test_five_failures_lock_the_account_with_a_growing_delay(office, clock):
    for attempt in range(1, 5):
        assert refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1")) == "账号或密码不正确"
        assert stored(office, "王芳").failed_logins == attempt
    fifth = refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1"))
    assert "连续 5 次登录失败已被锁定" in fifth and "1 分钟" in fifth
    assert stored(office, "王芳").locked_until is not None

    # While locked, even the right password is refused, and nothing is counted.
    locked = refused(lambda: accounts.authenticate(office, "王芳", CLERK_PASSWORD))
    assert "已被锁定" in locked
    assert stored(office, "王芳").failed_logins == 5
    assert audit_rows(office, accounts.LOGIN)[-1].outcome == "denied"

    # Each further failure after the lock ends doubles it: 2, then 4 minutes.
    for minutes in (2, 4):
        clock.advance(seconds=61 if minutes == 2 else 121)
        message = refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1"))
        assert f"{minutes} 分钟" in message
        until = accounts.list_users(office)[1].locked_until
        assert until - clock() == timedelta(minutes=minutes)

    clock.advance(minutes=3)
    assert "已被锁定" in refused(lambda: accounts.authenticate(office, "王芳", CLERK_PASSWORD))
    clock.advance(minutes=1, seconds=1)
    assert accounts.authenticate(office, "王芳", CLERK_PASSWORD).name == "王芳"
    row = stored(office, "王芳")
    assert (row.failed_logins, row.locked_until) == (0, None)


def test_a_success_clears_earlier_failures(office):
    for _ in range(4):
        refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1"))
    accounts.authenticate(office, "王芳", CLERK_PASSWORD)
    for _ in range(4):  # four more do not lock: the count started again
        assert refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1")) == "账号或密码不正确"
    assert stored(office, "王芳").locked_until is None


def test_a_deactivated_account_cannot_log_in_until_activated(office):
    admin = acting(office, "管理员", Role.ADMIN)
    accounts.set_active(admin, "王芳", False)
    assert refused(lambda: accounts.authenticate(office, "王芳", CLERK_PASSWORD)) == "账号已停用，请联系系统管理员"
    # A wrong password still gets the general message: a stranger learns nothing about the account.
    assert refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1")) == "账号或密码不正确"
    accounts.set_active(admin, "王芳", True)
    assert accounts.authenticate(office, "王芳", CLERK_PASSWORD).role is Role.CLERK


# ----------------------------------------------------------------------------------------------- who manages

def test_only_an_administrator_manages_accounts(office):
    clerk = acting(office, "王芳", Role.CLERK)
    attempts = {
        "add": lambda: accounts.add_user(clerk, "新人", Role.CLERK, password="New-person-2025"),
        "list": lambda: accounts.list_users(clerk),
        "reset": lambda: accounts.reset_password(clerk, "管理员", "Taken-over-2025"),
        "deactivate": lambda: accounts.set_active(clerk, "管理员", False),
    }
    for attempt in attempts.values():
        assert "只能由系统管理员办理" in refused(attempt, PermissionDeniedError)
    assert [r.name for r in accounts.list_users(acting(office, "管理员", Role.ADMIN))] == ["管理员", "王芳"]
    assert accounts.authenticate(office, "管理员", ADMIN_PASSWORD).role is Role.ADMIN  # not reset
    denied = [r for r in audit_rows(office, "permission.denied") if r.actor == "王芳"]
    assert len(denied) == len(attempts)
    assert all(r.outcome == "denied" and r.entity == "user_account" for r in denied)


def test_an_administrator_adds_lists_and_deactivates(office):
    admin = acting(office, "管理员", Role.ADMIN)
    view = accounts.add_user(admin, "科技局联络员", Role.LIAISON, password="Liaison-2025", department="市科技局")
    assert (view.role_label, view.department) == ("联络员", "市科技局")
    listed = {row.name: row for row in accounts.list_users(admin)}
    assert set(listed) == {"管理员", "王芳", "科技局联络员"}
    assert not any(hasattr(row, "password_hash") for row in listed.values())
    assert not accounts.set_active(admin, "科技局联络员", False).active
    assert audit_rows(office, "user.add")[-1].actor == "管理员"


def test_the_last_administrator_and_ones_own_account_cannot_be_deactivated(office):
    admin = acting(office, "管理员", Role.ADMIN)
    assert "不能停用自己" in refused(lambda: accounts.set_active(admin, "管理员", False), ValidationError)
    assert "唯一启用的系统管理员" in refused(lambda: accounts.set_active(office, "管理员", False), ValidationError)
    assert stored(office, "管理员").active


def test_a_liaison_needs_a_department_and_other_roles_must_not_have_one(office):
    admin = acting(office, "管理员", Role.ADMIN)
    assert "须指定所属单位" in refused(
        lambda: accounts.add_user(admin, "联络员甲", Role.LIAISON, password="Liaison-2025"), ValidationError)
    assert "不在单位名录中" in refused(lambda: accounts.add_user(
        admin, "联络员甲", Role.LIAISON, password="Liaison-2025", department="市不存在局"), NotFoundError)
    assert "请不要指定所属单位" in refused(lambda: accounts.add_user(
        admin, "领导甲", Role.LEADER, password="Leader-2025x", department="市科技局"), ValidationError)
    assert "已存在" in refused(lambda: accounts.add_user(admin, "王芳", Role.CLERK, password=CLERK_PASSWORD),
                            ValidationError)
    assert [r.name for r in accounts.list_users(admin)] == ["管理员", "王芳"]


def test_the_first_account_is_an_administrator_and_only_once(ctx):
    assert not accounts.accounts_exist(ctx)
    assert "第一个账号须为系统管理员" in refused(
        lambda: accounts.add_user(ctx, "王芳", Role.CLERK, password=CLERK_PASSWORD), ValidationError)
    accounts.create_first_admin(ctx, "管理员", ADMIN_PASSWORD)
    assert accounts.accounts_exist(ctx)
    assert "已有账号" in refused(lambda: accounts.create_first_admin(ctx, "另一个", ADMIN_PASSWORD), ValidationError)


# ----------------------------------------------------------------------------------------------- passwords

def test_an_admin_reset_forces_a_change_at_the_next_login(office):
    admin = acting(office, "管理员", Role.ADMIN)
    view = accounts.reset_password(admin, "王芳", "Reset-by-admin-1")
    assert view.must_change_password
    assert "账号或密码不正确" in refused(lambda: accounts.authenticate(office, "王芳", CLERK_PASSWORD))
    user = accounts.authenticate(office, "王芳", "Reset-by-admin-1")
    assert accounts.password_change_required(office, "王芳")

    own = dataclasses.replace(office, user=user, actor=user.name)
    assert "不能与原密码相同" in refused(
        lambda: accounts.change_password(own, "王芳", "Reset-by-admin-1", "Reset-by-admin-1"), ValidationError)
    accounts.change_password(own, "王芳", "Reset-by-admin-1", "Chosen-by-me-2")
    assert not accounts.password_change_required(office, "王芳")
    assert accounts.authenticate(office, "王芳", "Chosen-by-me-2").name == "王芳"
    assert [r.outcome for r in audit_rows(office, accounts.RESET)] == ["ok"]
    assert [r.actor for r in audit_rows(office, accounts.PASSWORD)] == ["王芳"]


def test_a_reset_also_lifts_a_lock(office):
    for _ in range(5):
        refused(lambda: accounts.authenticate(office, "王芳", "Wrong-pass-1"))
    accounts.reset_password(acting(office, "管理员", Role.ADMIN), "王芳", "Reset-by-admin-1")
    assert accounts.authenticate(office, "王芳", "Reset-by-admin-1").name == "王芳"


def test_changing_a_password_needs_the_old_one_and_only_for_oneself(office):
    own = acting(office, "王芳", Role.CLERK)
    message = refused(lambda: accounts.change_password(own, "王芳", "Wrong-old-1", "Chosen-by-me-2"))
    assert message.startswith("原密码不正确")
    assert stored(office, "王芳").failed_logins == 1  # a guessed old password counts like a failed login
    assert "只能修改自己的密码" in refused(
        lambda: accounts.change_password(own, "管理员", ADMIN_PASSWORD, "Chosen-by-me-2"), PermissionDeniedError)
    assert "密码不符合要求" in refused(
        lambda: accounts.change_password(own, "王芳", CLERK_PASSWORD, "short"), ValidationError)
    assert accounts.authenticate(office, "王芳", CLERK_PASSWORD).name == "王芳"
    assert accounts.authenticate(office, "管理员", ADMIN_PASSWORD).name == "管理员"


# ----------------------------------------------------------------------------------------------- the demo

def test_demo_accounts_log_in_with_their_documented_passwords(ctx):
    assert demo.create_demo_accounts(ctx) == len(demo.DEMO_ACCOUNTS)
    assert demo.create_demo_accounts(ctx) == 0  # never twice, never over real accounts
    assignments = json.loads((demo.seed_dir() / "demo_assignments.json").read_text(encoding="utf-8"))
    leads = {spec["lead"] for spec in assignments.values()}
    assert {a.role for a in demo.DEMO_ACCOUNTS} == set(Role)
    for account in demo.DEMO_ACCOUNTS:
        assert password_problems(account.password, account.name) == []
        user = accounts.authenticate(ctx, account.name, account.password)
        assert user.role is account.role
        if account.role is Role.LIAISON:
            assert user.department in leads
