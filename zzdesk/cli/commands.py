"""One handler per command: parse the user's words with the domain's parsers, call a service, print."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from zzdesk.cli import (
    audit_commands,
    backup_commands,
    exchange_commands,
    login,
    output,
    task_commands,
    update_commands,
    user_commands,
)
from zzdesk.domain.dates import parse_date, parse_deadline, parse_period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import ReportKind, parse_cycle, parse_department_kind, parse_status
from zzdesk.services import (
    assignments,
    backups,
    departments,
    ledger,
    maintenance,
    office_settings,
    plan,
    report_archive,
    reports,
    updates,
    work_items,
)
from zzdesk.services.context import ServiceContext
from zzdesk.services.demo import populate_demo
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

Handler = Callable[[ServiceContext, argparse.Namespace], int]


def run_command(args: argparse.Namespace, actor: str, parser: argparse.ArgumentParser) -> int:
    if args.smoke:
        from zzdesk.ui.smoke import run_smoke  # proves a build: its own throwaway database, never the user's

        return run_smoke()
    if args.command in (None, "gui"):
        from zzdesk.ui.launch import run_gui  # Qt is loaded only when a window is wanted

        return run_gui(args.db, actor)
    if args.command == "snapshot":
        from zzdesk.ui.snapshot import use_offscreen_platform

        use_offscreen_platform()
    if args.command == "restore":  # before opening: the database being replaced may be too damaged to open
        return backup_commands.restore(args, actor)
    database = open_database(resolve_target(args.db))
    try:
        ctx = ServiceContext(database=database, actor=actor)
        if database.created and args.command not in ("init", "import-plan"):
            result = plan.init_database(ctx)
            print(f"已新建数据库 {database.target.display_name}，载入规划：{result.groups} 个任务组、"
                  f"{result.measures} 项举措", file=sys.stderr)
        if database.pre_migration_backup is not None:
            print(f"数据库结构已升级，升级前的备份：{database.pre_migration_backup}", file=sys.stderr)
        _backup_at_start(ctx, args)
        ctx = login.authorize(ctx, args)
        if args.command == "info":
            return _overview(ctx, parser)
        if args.command == "departments" and args.departments_command:
            return _departments_change(ctx, args)
        return HANDLERS[args.command](ctx, args)
    finally:
        database.close()


def _backup_at_start(ctx: ServiceContext, args: argparse.Namespace) -> None:
    """The automatic backup (at most once per interval, when something changed); a failure only warns."""
    if ctx.database.created or args.command == "backup":
        return
    outcome = backups.backup_if_due(ctx)
    if outcome.failed:
        print(f"警告：{outcome.note}", file=sys.stderr)


def _overview(ctx: ServiceContext, parser: argparse.ArgumentParser) -> int:
    view = ledger.plan_view(ctx)
    measures = sum(len(g.measures) for g in view.groups)
    print(f"数据库：{ctx.database.target.display_name}")
    print(f"规划：{view.title}（{len(view.groups)} 个任务组、{measures} 项举措）\n")
    parser.print_help()
    return 0


def _init(ctx: ServiceContext, args: argparse.Namespace) -> int:
    admin = user_commands.prepare_init(ctx, args.demo)
    result = plan.init_database(ctx)
    if result.already_loaded:
        print(f"规划已在数据库中：{result.groups} 个任务组、{result.measures} 项举措")
    else:
        print(f"已载入规划：{result.groups} 个任务组、{result.measures} 项举措；单位名录 {result.departments_added} 个")
    if args.demo:
        count = populate_demo(ctx)
        print(f"已装入演示数据：全部举措已分工，进展报送 {count} 条")
    user_commands.finish_init(ctx, args.demo, admin)
    return 0


def _tree(ctx: ServiceContext, args: argparse.Namespace) -> int:
    view = ledger.plan_view(ctx)
    if args.json:
        output.emit_json(output.plan_json(view))
    else:
        output.print_plan(view)
    return 0


def _show(ctx: ServiceContext, args: argparse.Namespace) -> int:
    view = ledger.task_view(ctx, args.code)
    if args.json:
        output.emit_json(output.task_json(view))
    else:
        output.print_task(view)
    return 0


def _int_option(value: str | None, label: str) -> int | None:
    if value is None:
        return None
    cleaned = value.strip()
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValidationError(f"{label}“{value}”应为整数")
    return int(cleaned)


def _assign(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.no_co and args.co:
        raise ValidationError("--co 与 --no-co 不能同时使用")
    start = parse_date(args.start, "开始日期") if args.start is not None else None
    change = assignments.AssignmentChange(
        lead=args.lead, co=[] if args.no_co else args.co, leader=args.leader, start=start,
        deadline=parse_deadline(args.deadline) if args.deadline is not None else None,
        cycle=parse_cycle(args.cycle) if args.cycle is not None else None,
        due_day=_int_option(args.due_day, "报送日"))
    if change == assignments.AssignmentChange():
        raise ValidationError("没有要修改的内容：请至少给出 --lead、--co、--leader、--start、"
                              "--deadline 或 --cycle 之一")
    view = assignments.assign(ctx, args.code, change)
    print("已保存分工：")
    output.print_task(view)
    return 0


def _update(ctx: ServiceContext, args: argparse.Namespace) -> int:
    update = updates.UpdateInput(
        status=parse_status(args.status), progress=updates.parse_progress(args.progress), text=args.text,
        problems=args.problems, next_steps=args.next,
        period=parse_period(args.period) if args.period is not None else None)
    view = updates.log_update(ctx, args.code, update)
    print(f"已报送 {view.code} {view.period}：{view.status_label} {view.progress}%（报送号 #{view.id}，待审核）")
    return 0


def _history(ctx: ServiceContext, args: argparse.Namespace) -> int:
    rows = updates.history(ctx, args.code)
    if args.json:
        output.emit_json([output.update_json(row) for row in rows])
    else:
        output.print_history(rows)
    return 0


def _review(ctx: ServiceContext, args: argparse.Namespace) -> int:
    update_id = _int_option(args.update_id.lstrip("#"), "报送号")
    view = updates.review_update(ctx, update_id, accept=args.accept, note=args.return_note or "")
    print(f"报送 #{view.id}（{view.code} {view.period}）{view.review_label}")
    return 0


def _split(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.add is not None:
        code = work_items.add_work_item(ctx, args.code, args.add)
        print(f"已添加具体任务 {code}")
        return 0
    if args.accept:
        numbers = [_int_option(n, "建议序号") for n in args.accept]
        for code in work_items.accept_suggestions(ctx, args.code, numbers):
            print(f"已添加具体任务 {code}")
        return 0
    suggestions = plan.suggested_work_items(ctx, args.code)
    if not suggestions:
        print("这项举措没有可分解的句子，可用 --add 手工添加")
    for number, text in enumerate(suggestions, start=1):
        print(f"{number}. {text}")
    return 0


def _departments(ctx: ServiceContext, args: argparse.Namespace) -> int:
    rows = departments.list_departments(ctx)
    if args.json:
        output.emit_json([output.department_json(row) for row in rows])
        return 0
    for row in rows:
        state = "" if row.active else "（已停用）"
        print(f"{row.name}\t{row.short_name}\t{row.kind_label}{state}")
    return 0


def _departments_change(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.departments_command == "add":
        row = departments.add_department(ctx, args.name, parse_department_kind(args.kind), args.short)
        print(f"已添加单位：{row.name}（{row.kind_label}）")
    elif args.departments_command == "rename":
        row = departments.rename_department(ctx, args.name, args.new_name, args.short)
        print(f"已更名为：{row.name}")
    else:
        row = departments.set_active(ctx, args.name, args.departments_command == "activate")
        print(f"已{'启用' if row.active else '停用'}单位：{row.name}")
    return 0


def _import_plan(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if not ctx.database.created:
        backups.backup_before(ctx, "import")
    result = plan.import_plan(ctx, Path(args.file))
    verb = "已替换规划" if result.replaced else "已导入规划"
    print(f"{verb}：{result.title}，{result.groups} 个任务组、{result.measures} 项举措")
    return 0


def _check(ctx: ServiceContext, args: argparse.Namespace) -> int:
    report = maintenance.check(ctx)
    for line in report.storage:
        print(line)
    print("数据：" + "，".join(f"{name} {count}" for name, count in report.counts.items()))
    if report.ok:
        print("检查通过：未发现问题")
        return 0
    for problem in report.problems:
        print(f"问题：{problem}")
    print(f"错误：发现 {len(report.problems)} 个问题", file=sys.stderr)
    return 1


def _settings(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.settings_command == "set":
        office_settings.set_value(ctx, args.key, args.value)
    values = office_settings.current_values(ctx)
    for key, setting in office_settings.SETTINGS.items():
        default = "" if values[key] == setting.default else f"（默认 {setting.default}）"
        print(f"{key} = {values[key]}\t{setting.label}{default}")
    return 0


def _snapshot(ctx: ServiceContext, args: argparse.Namespace) -> int:
    from zzdesk.ui.snapshot import render_snapshots

    for path in render_snapshots(ctx, Path(args.out)):
        print(f"已保存截图 {path}")
    return 0


def _report(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.report_kind == "archive":
        for entry in report_archive.archive(ctx):
            when = entry.generated_at.astimezone().strftime("%Y-%m-%d %H:%M")
            print(f"{when}\t{entry.title}\t{entry.pages}页\t{entry.generated_by}\t{entry.sha256}\t{entry.file_name}")
        return 0
    if args.report_kind == "verify":
        return _verify_report(ctx, Path(args.file))
    kind = ReportKind(args.report_kind)
    period = parse_period(args.period) if getattr(args, "period", None) else None
    request = reports.ReportRequest(kind=kind, period=period, department=getattr(args, "dept", None))
    result = reports.generate_report(ctx, request, Path(args.out))
    print(f"已生成{result.title}：{result.path}（{result.pages} 页）")
    print(f"SHA-256：{result.sha256}")
    return 0


def _verify_report(ctx: ServiceContext, path: Path) -> int:
    actual, entries = report_archive.matching_entries(ctx, path)
    if not entries:
        print(f"校验未通过：存档中没有与“{path.name}”完全一致的报告（SHA-256：{actual}）；"
              "它不是本系统生成的原件，或生成后被修改过", file=sys.stderr)
        return 1
    for entry in entries:
        when = entry.generated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"校验通过：与存档中的“{entry.title}”一致（{when} 由{entry.generated_by}生成，{entry.pages}页）")
    return 0


HANDLERS: dict[str, Handler] = {
    "init": _init, "tree": _tree, "show": _show, "assign": _assign, "update": _update, "history": _history,
    "review": _review, "split": _split, "departments": _departments, "import-plan": _import_plan,
    "check": _check, "settings": _settings, "backup": backup_commands.backup, "snapshot": _snapshot, "report": _report,
    "audit": audit_commands.handle, "user": user_commands.run,
}
HANDLERS.update(task_commands.HANDLERS)
HANDLERS.update(update_commands.HANDLERS)
HANDLERS.update(exchange_commands.HANDLERS)
