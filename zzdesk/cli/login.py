"""Logging in on the command line: who acts, with which password, and which commands need it.

Once a database has accounts, every command that changes data runs as a logged-in person: the name from
``--user`` or ``ZZDESK_USER``, the password from ``ZZDESK_PASSWORD`` or a prompt that does not echo. Reading
commands (tree, show, history, info, check, export, report archive/verify) need no login; an import,
even its preview, does (the preview shows what only the office may apply). A command not listed here as
reading is treated as changing data, so a command added later is protected until someone decides otherwise.
Secrets come from the environment (for scripts) or from the terminal; without either the command is refused
rather than left waiting for input that never comes.
"""

import argparse
import dataclasses
import getpass
import os
import sys
from dataclasses import dataclass

from zzdesk.domain.errors import PermissionDeniedError, ValidationError
from zzdesk.services import accounts
from zzdesk.services.context import ServiceContext

USER_ENV = "ZZDESK_USER"
PASSWORD_ENV = "ZZDESK_PASSWORD"
NEW_PASSWORD_ENV = "ZZDESK_NEW_PASSWORD"
ADMIN_NAME_ENV = "ZZDESK_ADMIN_NAME"
ADMIN_PASSWORD_ENV = "ZZDESK_ADMIN_PASSWORD"

READING_COMMANDS = frozenset({"tree", "show", "history", "info", "check", "snapshot", "export"})


@dataclass(frozen=True)
class Credentials:
    name: str
    password: str


def changes_data(args: argparse.Namespace) -> bool:
    """Whether the command writes to the database (and so needs a login once accounts exist)."""
    command = args.command
    if command in READING_COMMANDS:
        return False
    if command == "departments":
        return bool(getattr(args, "departments_command", None))
    if command == "settings":
        return bool(getattr(args, "settings_command", None))
    if command == "split":
        return bool(getattr(args, "accept", None)) or getattr(args, "add", None) is not None
    if command == "report":
        return getattr(args, "report_kind", None) not in ("archive", "verify")
    return True


def interactive() -> bool:
    """A person at a terminal who can answer a prompt."""
    return sys.stdin is not None and sys.stdin.isatty()


def _ask(label: str) -> str:
    sys.stderr.write(label)
    sys.stderr.flush()
    return sys.stdin.readline().strip()


def _secret(label: str) -> str:
    return getpass.getpass(label)


def login_name(explicit: str | None) -> str:
    name = (explicit or os.environ.get(USER_ENV) or "").strip()
    if name:
        return name
    if interactive():
        return _ask("账号：")
    raise PermissionDeniedError(f"该数据库已启用账号登录，修改数据须登录：请用 --user 账号（或环境变量 {USER_ENV}）"
                                "指定账号")


def login_password(name: str) -> str:
    password = os.environ.get(PASSWORD_ENV)
    if password is not None:
        return password
    if interactive():
        return _secret(f"“{name}”的密码：")
    raise PermissionDeniedError(f"需要“{name}”的密码：请在终端中运行以输入密码，或设置环境变量 {PASSWORD_ENV}")


def new_password(env: str = NEW_PASSWORD_ENV, label: str = "新密码") -> str:
    """A new password from ``env`` or typed twice at the terminal."""
    password = os.environ.get(env)
    if password is not None:
        return password
    if not interactive():
        raise ValidationError(f"需要设置{label}：请在终端中运行以输入，或设置环境变量 {env}")
    first = _secret(f"{label}（至少 10 位，含大写字母、小写字母、数字、符号中的至少 3 种）：")
    if _secret(f"再次输入{label}：") != first:
        raise ValidationError("两次输入的密码不一致，未作修改")
    return first


def first_admin(ctx: ServiceContext) -> Credentials | None:
    """The administrator for a database without accounts, asked for (and checked) before anything is written."""
    if accounts.accounts_exist(ctx):
        return None
    name = (os.environ.get(ADMIN_NAME_ENV) or "").strip()
    if not name:
        if not interactive():
            raise ValidationError("新数据库须设置系统管理员：请在终端中运行 zzdesk init，"
                                  f"或设置环境变量 {ADMIN_NAME_ENV} 和 {ADMIN_PASSWORD_ENV}")
        print("新数据库须设置系统管理员账号（用于管理账号和系统设置）。", file=sys.stderr)
        name = _ask("系统管理员账号：")
    name = accounts.clean_name(name)
    password = new_password(ADMIN_PASSWORD_ENV, "系统管理员密码")
    accounts.validate_new_account(name, password)
    return Credentials(name, password)


def authorize(ctx: ServiceContext, args: argparse.Namespace) -> ServiceContext:
    """The context the command runs in: with the logged-in person when the database has accounts and the
    command changes data; unchanged otherwise (reading, or a database from before accounts existed).

    The password is kept on ``args.login_password``: ``user passwd`` for one's own account uses it as the old one.
    """
    args.login_password = None
    if not changes_data(args) or not accounts.accounts_exist(ctx):
        return ctx
    name = login_name(args.user)
    password = login_password(name)
    user = accounts.authenticate(ctx, name, password)
    args.login_password = password
    if accounts.password_change_required(ctx, user.name) and not _changing_own_password(args, user.name):
        raise PermissionDeniedError(f"“{user.name}”的密码已由系统管理员重置，须先修改密码：zzdesk --user {user.name} "
                                    f"user passwd {user.name}")
    return dataclasses.replace(ctx, user=user, actor=user.name)


def _changing_own_password(args: argparse.Namespace, name: str) -> bool:
    return args.command == "user" and getattr(args, "user_command", None) == "passwd" and args.name == name
