"""``zzdesk user …``: accounts from the command line (add, list, passwd, deactivate, activate).

Only a system administrator manages accounts (the services refuse anyone else); a person may change their own
password. On a database that has no accounts yet, ``user add --role admin`` creates the first administrator.
"""

import argparse
import sys
from datetime import datetime
from typing import Any

from zzdesk.cli import login, output
from zzdesk.domain.roles import ROLE_LABELS, parse_role
from zzdesk.services import accounts
from zzdesk.services.accounts import UserView
from zzdesk.services.context import ServiceContext
from zzdesk.services.demo import DEMO_ACCOUNTS, create_demo_accounts

ROLE_HELP = "，".join(f"{role.value}（{label}）" for role, label in ROLE_LABELS.items())


def add_parser(commands) -> None:  # type: ignore[no-untyped-def]
    user = commands.add_parser("user", help="管理账号：新增、列出、修改或重置密码、停用、启用（须系统管理员）",
                               description="管理登录账号。新密码从终端输入两次，或取自环境变量 "
                                           f"{login.NEW_PASSWORD_ENV}")
    verbs = user.add_subparsers(dest="user_command", metavar="子命令", required=True)
    add = verbs.add_parser("add", help="新增账号")
    add.add_argument("name", metavar="账号")
    add.add_argument("--role", required=True, metavar="角色", help=ROLE_HELP)
    add.add_argument("--dept", metavar="单位", help="联络员所属单位（全称或简称）；其他角色不填")
    listing = verbs.add_parser("list", help="列出全部账号")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    passwd = verbs.add_parser("passwd", help="修改本人密码；系统管理员为他人重置密码（对方下次登录须改密码）")
    passwd.add_argument("name", metavar="账号")
    for verb, text in (("deactivate", "停用账号（保留记录，不能再登录）"), ("activate", "重新启用账号（并解除锁定）")):
        toggle = verbs.add_parser(verb, help=text)
        toggle.add_argument("name", metavar="账号")


def run(ctx: ServiceContext, args: argparse.Namespace) -> int:
    verb = args.user_command
    if verb == "list":
        return _list(ctx, args.json)
    if verb == "add":
        password = login.new_password()
        view = accounts.add_user(ctx, args.name, parse_role(args.role), password=password, department=args.dept)
        dept = f"，{view.department}" if view.department else ""
        print(f"已新增账号：{view.name}（{view.role_label}{dept}）")
    elif verb == "passwd":
        _passwd(ctx, args)
    else:
        view = accounts.set_active(ctx, args.name, verb == "activate")
        print(f"已{'启用' if view.active else '停用'}账号：{view.name}")
    return 0


def _passwd(ctx: ServiceContext, args: argparse.Namespace) -> None:
    name = args.name.strip()
    if ctx.user is not None and ctx.user.name == name:
        accounts.change_password(ctx, name, args.login_password or "", login.new_password())
        print(f"已修改密码：{name}")
        return
    accounts.reset_password(ctx, name, login.new_password())
    print(f"已重置“{name}”的密码；该账号下次登录须先修改密码")


def _list(ctx: ServiceContext, as_json: bool) -> int:
    rows = accounts.list_users(ctx)
    now = ctx.now()
    if as_json:
        output.emit_json([_json(row, now) for row in rows])
        return 0
    if not rows:
        print("尚无账号；可用 zzdesk user add 账号 --role admin 创建系统管理员")
    for row in rows:
        print("\t".join([row.name, row.role_label, row.department or "—", _state(row, now)]))
    return 0


def _state(row: UserView, now: datetime) -> str:
    states = [] if row.active else ["已停用"]
    if row.locked_until is not None and row.locked_until > now:
        states.append(f"锁定至 {row.locked_until.astimezone().strftime('%H:%M')}")
    if row.must_change_password:
        states.append("须改密码")
    return "、".join(states) or "正常"


def _json(row: UserView, now: datetime) -> dict[str, Any]:
    locked = row.locked_until is not None and row.locked_until > now
    return {"name": row.name, "role": row.role.value, "role_label": row.role_label, "department": row.department,
            "active": row.active, "locked": locked, "locked_until": row.locked_until.isoformat() if locked else None,
            "must_change_password": row.must_change_password,
            "password_changed_at": row.password_changed_at.isoformat()}


def prepare_init(ctx: ServiceContext, demo: bool) -> login.Credentials | None:
    """Before ``init`` writes anything: the first administrator of a new database (the demo brings its own)."""
    return None if demo else login.first_admin(ctx)


def finish_init(ctx: ServiceContext, demo: bool, admin: login.Credentials | None) -> None:
    """After ``init``: create the administrator asked for, or the demo's documented accounts."""
    if admin is not None:
        view = accounts.create_first_admin(ctx, admin.name, admin.password)
        print(f"已创建系统管理员账号：{view.name}")
    if demo:
        if create_demo_accounts(ctx):
            names = "、".join(f"{a.name}（{ROLE_LABELS[a.role]}）" for a in DEMO_ACCOUNTS)
            print(f"已创建演示账号：{names}；密码见 README「账号与登录」")
        else:
            print("数据库中已有账号，未创建演示账号", file=sys.stderr)

