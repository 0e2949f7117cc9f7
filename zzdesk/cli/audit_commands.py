"""``zzdesk audit``: list the audit trail with filters, check its hash chain, export it to CSV."""

import argparse
import sys
from pathlib import Path
from typing import Any

from zzdesk.cli import output
from zzdesk.domain.dates import parse_date
from zzdesk.domain.errors import ValidationError
from zzdesk.services import audit_log
from zzdesk.services.audit_log import AuditFilter, AuditView
from zzdesk.services.context import ServiceContext

DEFAULT_LIMIT = 50


def add_parser(commands: Any) -> None:
    audit = commands.add_parser("audit", help="审计日志：查看、校验完整性、导出",
                                description="审计日志：谁在何时改了什么（旧值 → 新值）及结果，最新的在前。"
                                            "日期按本机时间的整天计算。")
    _add_filters(audit)
    audit.add_argument("--json", action="store_true", help="以 JSON 输出")
    audit.add_argument("--limit", default=str(DEFAULT_LIMIT), metavar="条数",
                       help=f"最多显示几条，默认 {DEFAULT_LIMIT}")
    audit.add_argument("--offset", default="0", metavar="条数", help="跳过最新的几条（翻页用），默认 0")
    verbs = audit.add_subparsers(dest="audit_command", metavar="子命令")
    verbs.add_parser("verify", help="校验审计记录的完整性（哈希链）：被修改、删除或调换顺序的记录会被指出")
    export = verbs.add_parser("export", help="把审计日志导出为 CSV（Excel、WPS 可直接打开）")
    export.add_argument("--out", required=True, metavar="文件.csv", help="CSV 保存路径")
    _add_filters(export)


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", dest="audit_user", metavar="姓名", help="只看此人的操作（操作人）")
    parser.add_argument("--dept", metavar="单位",
                        help="只看与该单位有关的记录：单位本身、其牵头的任务及报送、发给它的报告、其账户的操作")
    parser.add_argument("--item", metavar="编号", help="只看该任务的记录，如 1.2（含其具体任务 1.2.K）")
    parser.add_argument("--since", metavar="日期", help="从该日起，如 2025-11-01")
    parser.add_argument("--until", metavar="日期", help="到该日止（含当天）")
    parser.add_argument("--action", metavar="操作", help="只看某种操作，如 分工、报送进展（或 task.assign）")


def handle(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.audit_command == "verify":
        return _verify(ctx)
    flt = _filter(args)
    if args.audit_command == "export":
        path = Path(args.out)
        count = audit_log.export_audit(ctx, flt, path)
        print(f"已导出 {count} 条审计记录到 {path}")
        return 0
    return _list(ctx, flt, _count(args.limit, "--limit", 1), _count(args.offset, "--offset", 0), args.json)


def _filter(args: argparse.Namespace) -> AuditFilter:
    return AuditFilter(user=args.audit_user, department=args.dept, item=args.item,
                       since=parse_date(args.since, "开始日期") if args.since else None,
                       until=parse_date(args.until, "结束日期") if args.until else None, action=args.action)


def _count(text: str, option: str, least: int) -> int:
    cleaned = (text or "").strip()
    if not (cleaned.isascii() and cleaned.isdigit()) or int(cleaned) < least:
        raise ValidationError(f"{option}“{text}”应为不小于 {least} 的整数")
    return min(int(cleaned), audit_log.MAX_PAGE)


def _verify(ctx: ServiceContext) -> int:
    result = audit_log.verify_chain(ctx)
    if result.ok:
        print(result.message)
        return 0
    print(result.message, file=sys.stderr)
    return 1


def _list(ctx: ServiceContext, flt: AuditFilter, limit: int, offset: int, as_json: bool) -> int:
    total = audit_log.count_entries(ctx, flt)
    rows = audit_log.audit_entries(ctx, flt, limit, offset)
    if as_json:
        output.emit_json({"total": total, "offset": offset, "limit": limit, "entries": [entry_json(r) for r in rows]})
        return 0
    for row in rows:
        print(entry_line(row))
    if not rows:
        print("没有符合条件的审计记录" if offset == 0 else f"共 {total} 条，第 {offset + 1} 条以后没有记录了")
    elif offset + len(rows) < total:
        print(f"显示第 {offset + 1}–{offset + len(rows)} 条，共 {total} 条；更早的记录：--offset {offset + len(rows)}")
    else:
        print(f"共 {total} 条" if offset == 0 else f"显示第 {offset + 1}–{offset + len(rows)} 条，共 {total} 条")
    return 0


def entry_line(row: AuditView) -> str:
    parts = [f"#{row.id}", row.local_time(), row.actor, row.action_label, row.subject]
    if row.changes_text:
        parts.append(row.changes_text)
    parts.append(f"[{row.outcome_label}]")
    return "  ".join(parts)


def entry_json(row: AuditView) -> dict[str, Any]:
    return {"id": row.id, "at": row.at.isoformat(), "actor": row.actor, "action": row.action,
            "action_label": row.action_label, "entity": row.entity, "entity_label": row.entity_label,
            "key": row.key, "changes": [{"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                                        for c in row.changes],
            "outcome": row.outcome, "outcome_label": row.outcome_label}
