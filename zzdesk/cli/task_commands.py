"""``zzdesk extend``, ``zzdesk extension``, ``zzdesk close`` and ``zzdesk reopen``: 延期申请 and 办结 from the shell."""

import argparse
from typing import Any

from zzdesk.cli import output
from zzdesk.domain.dates import parse_date
from zzdesk.domain.errors import ValidationError
from zzdesk.services import closing, extensions
from zzdesk.services.context import ServiceContext
from zzdesk.services.extensions import ExtensionView


def add_parser(commands: Any) -> None:
    extend = commands.add_parser("extend", help="申请延期：把完成时限推后，须写明理由，由督查室审批")
    extend.add_argument("code", metavar="编号", help="如 1.2 或 1.2.1")
    extend.add_argument("--to", required=True, metavar="日期", help="申请延至的日期，须晚于当前完成时限")
    extend.add_argument("--reason", required=True, metavar="理由", help="延期理由")

    extension = commands.add_parser("extension", help="延期申请：查看，或批准、驳回")
    verbs = extension.add_subparsers(dest="extension_command", metavar="子命令", required=True)
    listing = verbs.add_parser("list", help="列出待审批的延期申请；给出编号时列出该任务的全部申请")
    listing.add_argument("code", nargs="?", metavar="编号")
    listing.add_argument("--json", action="store_true", help="以 JSON 输出")
    decide = verbs.add_parser("decide", help="审批一条延期申请")
    decide.add_argument("request_id", metavar="申请号", help="extension list 中 # 后的数字")
    verdict = decide.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--approve", action="store_true", help="批准：完成时限改为申请的日期，原时限留档")
    verdict.add_argument("--reject", action="store_true", help="驳回（须用 --note 写明理由）")
    decide.add_argument("--note", default="", metavar="意见", help="审批意见；驳回时必填")

    close = commands.add_parser("close", help="办结：确认任务已完成（须有一条已采纳的“已完成”报送）")
    close.add_argument("code", metavar="编号")
    close.add_argument("--note", default="", metavar="说明", help="办结说明，如验收情况")

    reopen = commands.add_parser("reopen", help="撤销办结，任务重新接收进展报送")
    reopen.add_argument("code", metavar="编号")
    reopen.add_argument("--reason", required=True, metavar="理由")


def _request_line(view: ExtensionView) -> str:
    old = view.old_deadline.isoformat() if view.old_deadline else "未设定"
    line = (f"#{view.id}\t{view.code}\t{old} → {view.new_deadline.isoformat()}\t{view.state_label}\t"
            f"{view.requested_by}\t理由：{view.reason}")
    if view.decision_note:
        line += f"\t意见：{view.decision_note}"
    return line


def _request_json(view: ExtensionView) -> dict[str, object]:
    return {"id": view.id, "code": view.code, "title": view.title, "lead": view.lead,
            "old_deadline": view.old_deadline.isoformat() if view.old_deadline else None,
            "new_deadline": view.new_deadline.isoformat(), "reason": view.reason, "state": view.state_label,
            "requested_by": view.requested_by, "requested_at": view.requested_at.isoformat(),
            "decided_by": view.decided_by or None,
            "decided_at": view.decided_at.isoformat() if view.decided_at else None,
            "note": view.decision_note or None}


def _extend(ctx: ServiceContext, args: argparse.Namespace) -> int:
    view = extensions.request_extension(ctx, args.code, parse_date(args.to, "申请延至的日期"), args.reason)
    print(f"已提交延期申请 #{view.id}：{view.code} 完成时限 {view.old_deadline} → {view.new_deadline}（待督查室审批）")
    return 0


def _extension(ctx: ServiceContext, args: argparse.Namespace) -> int:
    if args.extension_command == "list":
        rows = extensions.extensions_of(ctx, args.code) if args.code else extensions.pending_extensions(ctx)
        if args.json:
            output.emit_json([_request_json(row) for row in rows])
            return 0
        if not rows:
            print("没有延期申请" if args.code else "没有待审批的延期申请")
        for row in rows:
            print(_request_line(row))
        return 0
    cleaned = args.request_id.strip().lstrip("#")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValidationError(f"申请号“{args.request_id}”应为整数")
    view = extensions.decide_extension(ctx, int(cleaned), approve=args.approve, note=args.note)
    if args.approve:
        print(f"已批准延期申请 #{view.id}：{view.code} 完成时限改为 {view.new_deadline}（原 {view.old_deadline}）")
    else:
        print(f"已驳回延期申请 #{view.id}（{view.code}）")
    return 0


def _close(ctx: ServiceContext, args: argparse.Namespace) -> int:
    view = closing.close_task(ctx, args.code, args.note)
    print(f"已办结 {view.code} {view.title}")
    return 0


def _reopen(ctx: ServiceContext, args: argparse.Namespace) -> int:
    view = closing.reopen_task(ctx, args.code, args.reason)
    print(f"已撤销 {view.code} 的办结，任务重新接收进展报送")
    return 0


HANDLERS = {"extend": _extend, "extension": _extension, "close": _close, "reopen": _reopen}
