"""Accounts and login (账号与登录): Argon2id password hashes, lock-out after failed logins, admin-only management.

Hashing runs outside the write transactions (it takes tens of milliseconds on purpose), so the write lock is
held only to update a row and append its audit row. Every login attempt, successful or not, is audited under
the name that was typed. ``ctx.user`` None is the program itself (init, demo) and may do anything here.
"""

import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, func, select

from zzdesk.domain.errors import NotFoundError, PermissionDeniedError, ValidationError
from zzdesk.domain.passwords import check_password, lock_delay, wait_text
from zzdesk.domain.permissions import Action
from zzdesk.domain.roles import ROLE_LABELS, CurrentUser, Role
from zzdesk.services import audit
from zzdesk.services.authorization import authorize, record_denial
from zzdesk.services.context import ServiceContext
from zzdesk.services.departments import resolve_active
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Department, UserAccount

# Argon2id parameters, declared once. OWASP's minimum is m=19 MiB, t=2, p=1; these keep t and p and more than
# double the memory (46 MiB, as in OWASP's first recommendation): about 70 ms per hash on a 2-core machine.
# Raising any of them later rehashes each password at its owner's next successful login.
ARGON2_TIME_COST = 2
ARGON2_MEMORY_KIB = 46 * 1024
ARGON2_PARALLELISM = 1
HASHER = PasswordHasher(time_cost=ARGON2_TIME_COST, memory_cost=ARGON2_MEMORY_KIB, parallelism=ARGON2_PARALLELISM,
                        hash_len=32, salt_len=16, type=Type.ID)

MAX_NAME_CHARS = 50
WRONG_CREDENTIALS = "账号或密码不正确"
# Audit actions (labels in ``domain/audit_actions.py``); a refused login is LOGIN with outcome "denied".
LOGIN, ADD, PASSWORD, RESET = "user.login", "user.add", "user.password", "user.reset"


class LoginFailedError(PermissionDeniedError):
    """A login was refused: unknown name or wrong password (one message for both), locked or inactive account."""


@dataclass(frozen=True)
class UserView:
    """An account as the admin sees it: never the hash."""

    name: str
    role: Role
    department: str | None
    active: bool
    must_change_password: bool
    failed_logins: int
    locked_until: datetime | None
    created_at: datetime
    password_changed_at: datetime

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; they were written in UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _view(row: UserAccount, department: str | None) -> UserView:
    return UserView(name=row.name, role=Role(row.role), department=department, active=row.active,
                    must_change_password=row.must_change_password, failed_logins=row.failed_logins,
                    locked_until=_aware(row.locked_until), created_at=_aware(row.created_at),
                    password_changed_at=_aware(row.password_changed_at))


def _department_name(session: Session, row: UserAccount) -> str | None:
    if row.department_id is None:
        return None
    return session.get(Department, row.department_id).name


def clean_name(name: str) -> str:
    """An account name as typed at login: no spaces inside, so it can be given as ``--user NAME``."""
    cleaned = (name or "").strip()
    if not cleaned:
        raise ValidationError("账号名不能为空")
    if len(cleaned) > MAX_NAME_CHARS:
        raise ValidationError(f"账号名过长（最多 {MAX_NAME_CHARS} 个字符）")
    if any(char.isspace() or not char.isprintable() for char in cleaned):
        raise ValidationError(f"账号名“{cleaned}”不能包含空格或控制字符")
    return cleaned


def validate_new_account(name: str, password: str) -> str:
    """Check a name and password before anything is written (the CLI asks for both before loading the plan)."""
    cleaned = clean_name(name)
    check_password(password, cleaned)
    return cleaned


def accounts_exist(ctx: ServiceContext) -> bool:
    with read_session(ctx.engine) as session:
        return session.exec(select(func.count()).select_from(UserAccount)).one() > 0


def _find(session: Session, name: str) -> UserAccount:
    row = session.exec(select(UserAccount).where(UserAccount.name == (name or "").strip())).first()
    if row is None:
        raise NotFoundError(f"账号“{(name or '').strip()}”不存在；可用 zzdesk user list 查看全部账号")
    return row


def _active_admins(session: Session) -> int:
    return session.exec(select(func.count()).select_from(UserAccount).where(
        UserAccount.role == Role.ADMIN.value, UserAccount.active)).one()


# ------------------------------------------------------------------------------------------------------ creating


def _department_for(session: Session, role: Role, department: str | None) -> Department | None:
    if role is Role.LIAISON:
        if not (department or "").strip():
            raise ValidationError("联络员账号须指定所属单位（--dept 单位）")
        return resolve_active(session, department, "联络员所属单位")
    if (department or "").strip():
        raise ValidationError(f"{ROLE_LABELS[role]}账号不属于某个单位，请不要指定所属单位（只有联络员需要）")
    return None


def _insert(session: Session, ctx: ServiceContext, name: str, role: Role, department: Department | None,
            password_hash: str, must_change: bool) -> UserAccount:
    if session.exec(select(UserAccount).where(UserAccount.name == name)).first() is not None:
        raise ValidationError(f"账号“{name}”已存在")
    now = ctx.now()
    row = UserAccount(name=name, role=role.value, department_id=department.id if department else None,
                      password_hash=password_hash, must_change_password=must_change, created_at=now,
                      password_changed_at=now)
    session.add(row)
    session.flush()
    changes = {"role": (None, role.value), "must_change_password": (None, must_change)}
    if department is not None:
        changes["department"] = (None, department.name)
    audit.record(session, ctx, ADD, "user_account", name, changes)
    return row


def create_first_admin(ctx: ServiceContext, name: str, password: str) -> UserView:
    """The administrator asked for at the first run; refused once any account exists."""
    cleaned = validate_new_account(name, password)
    password_hash = HASHER.hash(password)
    with write_session(ctx.engine) as session:
        if session.exec(select(func.count()).select_from(UserAccount)).one():
            raise ValidationError("数据库中已有账号，不能再创建初始管理员；请由系统管理员用 zzdesk user add 添加")
        return _view(_insert(session, ctx, cleaned, Role.ADMIN, None, password_hash, must_change=False), None)


def add_user(ctx: ServiceContext, name: str, role: Role, *, password: str, department: str | None = None,
             must_change_password: bool = False) -> UserView:
    """A new account; a liaison is bound to the (active) department given, other roles to none.

    On a database without accounts the first one must be an administrator, so nobody is left unable to
    manage the others.
    """
    cleaned = clean_name(name)
    authorize(ctx, Action.MANAGE_ACCOUNTS, cleaned)
    check_password(password, cleaned)
    with read_session(ctx.engine) as session:  # refuse bad input before spending time on the hash
        _department_for(session, role, department)
    password_hash = HASHER.hash(password)
    with write_session(ctx.engine) as session:
        if role is not Role.ADMIN and not session.exec(select(func.count()).select_from(UserAccount)).one():
            raise ValidationError("数据库中还没有账号：第一个账号须为系统管理员（--role admin）")
        dept = _department_for(session, role, department)
        row = _insert(session, ctx, cleaned, role, dept, password_hash, must_change_password)
        return _view(row, dept.name if dept else None)


def list_users(ctx: ServiceContext) -> list[UserView]:
    authorize(ctx, Action.MANAGE_ACCOUNTS)
    with read_session(ctx.engine) as session:
        rows = session.exec(select(UserAccount).order_by(UserAccount.id)).all()
        return [_view(row, _department_name(session, row)) for row in rows]


def password_change_required(ctx: ServiceContext, name: str) -> bool:
    """True after an admin reset: the person must choose a new password before doing anything else."""
    with read_session(ctx.engine) as session:
        return _find(session, name).must_change_password


# ------------------------------------------------------------------------------------------------------ login


def hash_parameters_text(password_hash: str) -> str:
    """「Argon2id m=47104 KiB, t=2, p=1」: what the audit row says when a hash is recomputed (never the hash)."""
    try:
        params = extract_parameters(password_hash)
    except InvalidHashError:
        return "无法识别的散列"
    return f"Argon2{params.type.name.lower()} m={params.memory_cost} KiB, t={params.time_cost}, p={params.parallelism}"


@cache
def _dummy_hash() -> str:
    """Checked against for unknown names, so they take as long to refuse as a wrong password."""
    return HASHER.hash("zzdesk-no-such-account")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _locked_message(failures: int, until: datetime, now: datetime) -> str:
    return (f"账号因连续 {failures} 次登录失败已被锁定，请 {wait_text(until - now)}后再试，"
            "或请系统管理员重置密码")


def _record_failure(ctx: ServiceContext, name: str, action: str, reason: str) -> str | None:
    """Count a wrong password (locking the account when it reaches the limit); the lock message if it just locked."""
    with write_session(ctx.engine) as session:
        row = session.exec(select(UserAccount).where(UserAccount.name == name)).first()
        if row is None:
            audit.record(session, ctx, action, "user_account", name, {"reason": (None, reason)}, outcome="denied")
            return None
        now = ctx.now()
        failures = row.failed_logins + 1
        changes: audit.Changes = {"reason": (None, reason), "failed_logins": (row.failed_logins, failures)}
        delay = lock_delay(failures)
        row.failed_logins = failures
        if delay is not None:
            row.locked_until = now + delay
            changes["locked_until"] = (None, row.locked_until)
        session.add(row)
        audit.record(session, ctx, action, "user_account", name, changes, outcome="denied")
        return _locked_message(failures, row.locked_until, now) if delay is not None else None


def _refuse_login(ctx: ServiceContext, name: str, reason: str, message: str) -> LoginFailedError:
    with write_session(ctx.engine) as session:
        audit.record(session, ctx, LOGIN, "user_account", name, {"reason": (None, reason)}, outcome="denied")
    return LoginFailedError(message)


def authenticate(ctx: ServiceContext, name: str, password: str) -> CurrentUser:
    """Check a name and password; the person to put into ``ServiceContext.user``.

    An unknown name and a wrong password get the same message (and take the same time); after
    ``LOCK_AFTER_FAILURES`` failures the account is locked for a growing delay; a success clears the count.
    """
    typed = (name or "").strip()[:100]
    if not typed:
        raise LoginFailedError("请输入账号")
    as_typed = dataclasses.replace(ctx, actor=typed)
    with read_session(ctx.engine) as session:
        row = session.exec(select(UserAccount).where(UserAccount.name == typed)).first()
        account = None if row is None else (row.password_hash, row.active, row.failed_logins,
                                            _aware(row.locked_until))
    now = ctx.now()
    if account is not None and account[3] is not None and account[3] > now:
        raise _refuse_login(as_typed, typed, "账号已锁定", _locked_message(account[2], account[3], now))
    if account is None:
        _verify(_dummy_hash(), password or "")
        _record_failure(as_typed, typed, LOGIN, "账号不存在")
        raise LoginFailedError(WRONG_CREDENTIALS)
    password_hash, active, _, _ = account
    if not _verify(password_hash, password or ""):
        locked = _record_failure(as_typed, typed, LOGIN, "密码错误")
        raise LoginFailedError(f"{WRONG_CREDENTIALS}；{locked}" if locked else WRONG_CREDENTIALS)
    if not active:
        raise _refuse_login(as_typed, typed, "账号已停用", "账号已停用，请联系系统管理员")
    new_hash = HASHER.hash(password) if HASHER.check_needs_rehash(password_hash) else None
    with write_session(ctx.engine) as session:
        row = _find(session, typed)
        changes: audit.Changes = {}
        if row.failed_logins or row.locked_until is not None:
            changes["failed_logins"] = (row.failed_logins, 0)
        if new_hash is not None:
            changes["password"] = (hash_parameters_text(row.password_hash), hash_parameters_text(new_hash))
            row.password_hash = new_hash
        row.failed_logins, row.locked_until = 0, None
        session.add(row)
        audit.record(session, as_typed, LOGIN, "user_account", typed, changes)
        return CurrentUser(name=row.name, role=Role(row.role), department_id=row.department_id,
                           department=_department_name(session, row))


# ------------------------------------------------------------------------------------------------------ passwords


def change_password(ctx: ServiceContext, name: str, old: str, new: str) -> UserView:
    """A person changes their own password; the old one must be right (a wrong one counts as a failed login)."""
    cleaned = (name or "").strip()
    if ctx.user is not None and ctx.user.name != cleaned:
        message = "只能修改自己的密码；为他人重置密码须由系统管理员进行"
        record_denial(ctx, Action.CHANGE_OWN_PASSWORD, cleaned, message)
        raise PermissionDeniedError(message)
    with read_session(ctx.engine) as session:
        row = _find(session, cleaned)
        stored, locked_until, failures = row.password_hash, _aware(row.locked_until), row.failed_logins
    now = ctx.now()
    if locked_until is not None and locked_until > now:
        raise LoginFailedError(_locked_message(failures, locked_until, now))
    if not _verify(stored, old or ""):
        locked = _record_failure(ctx, cleaned, PASSWORD, "原密码错误")
        raise LoginFailedError("原密码不正确" + (f"；{locked}" if locked else ""))
    if new == old:
        raise ValidationError("新密码不能与原密码相同")
    check_password(new, cleaned)
    new_hash = HASHER.hash(new)
    with write_session(ctx.engine) as session:
        row = _find(session, cleaned)
        changes: audit.Changes = {"password": ("原密码", "新密码")}
        if row.must_change_password:
            changes["must_change_password"] = (True, False)
        row.password_hash, row.must_change_password, row.password_changed_at = new_hash, False, ctx.now()
        row.failed_logins, row.locked_until = 0, None
        session.add(row)
        audit.record(session, ctx, PASSWORD, "user_account", cleaned, changes)
        return _view(row, _department_name(session, row))


def reset_password(ctx: ServiceContext, name: str, new: str) -> UserView:
    """An administrator sets a new password for someone (forgotten, or locked out); they must change it at login."""
    cleaned = (name or "").strip()
    authorize(ctx, Action.MANAGE_ACCOUNTS, cleaned)
    if ctx.user is not None and ctx.user.name == cleaned:
        raise ValidationError("不能重置自己的密码，请用修改密码（zzdesk user passwd）")
    with read_session(ctx.engine) as session:
        _find(session, cleaned)
    check_password(new, cleaned)
    new_hash = HASHER.hash(new)
    with write_session(ctx.engine) as session:
        row = _find(session, cleaned)
        changes: audit.Changes = {"password": ("原密码", "由系统管理员重置"),
                                  "must_change_password": (row.must_change_password, True)}
        if row.failed_logins or row.locked_until is not None:
            changes["failed_logins"] = (row.failed_logins, 0)
        row.password_hash, row.must_change_password, row.password_changed_at = new_hash, True, ctx.now()
        row.failed_logins, row.locked_until = 0, None
        session.add(row)
        audit.record(session, ctx, RESET, "user_account", cleaned, changes)
        return _view(row, _department_name(session, row))


def set_active(ctx: ServiceContext, name: str, active: bool) -> UserView:
    """停用 / 启用 an account (never deleted: the audit trail names it). Re-enabling also lifts a lock."""
    cleaned = (name or "").strip()
    action = "user.activate" if active else "user.deactivate"
    authorize(ctx, Action.MANAGE_ACCOUNTS, cleaned)
    with write_session(ctx.engine) as session:
        row = _find(session, cleaned)
        if not active and ctx.user is not None and ctx.user.name == row.name:
            raise ValidationError("不能停用自己正在使用的账号")
        if not active and row.active and row.role == Role.ADMIN.value and _active_admins(session) <= 1:
            raise ValidationError(f"“{row.name}”是唯一启用的系统管理员，不能停用；请先添加另一名系统管理员")
        changes: audit.Changes = {}
        if row.active != active:
            changes["active"] = (row.active, active)
        if active and (row.failed_logins or row.locked_until is not None):
            changes["failed_logins"] = (row.failed_logins, 0)
            row.failed_logins, row.locked_until = 0, None
        if changes:
            row.active = active
            session.add(row)
            audit.record(session, ctx, action, "user_account", row.name, changes)
        return _view(row, _department_name(session, row))
