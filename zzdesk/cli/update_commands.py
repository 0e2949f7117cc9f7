"""``zzdesk update-edit``: correct an update while it still awaits review (待审核)."""

import argparse
from typing import Any

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import parse_status
from zzdesk.services import updates
from zzdesk.services.context import ServiceContext

_FIELDS = ("status", "progress", "text", "problems", "next")


def add_parser(commands: Any) -> None:
    edit = commands.add_parser("update-edit", help="修改一条待审核的进展报送（未给出的项保持不变）")
    edit.add_argument("update_id", metavar="报送号", help="history 中 # 后的数字")
    edit.add_argument("--status", metavar="状态", help="未启动、正常推进、进度滞后、已完成、持续推进")
    edit.add_argument("--progress", metavar="进度", help="0–100 的整数")
    edit.add_argument("--text", metavar="进展情况")
    edit.add_argument("--problems", metavar="存在问题")
    edit.add_argument("--next", metavar="下步打算")


def _update_edit(ctx: ServiceContext, args: argparse.Namespace) -> int:
    cleaned = args.update_id.strip().lstrip("#")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValidationError(f"报送号“{args.update_id}”应为整数")
    if all(getattr(args, name) is None for name in _FIELDS):
        raise ValidationError("没有要修改的内容：请至少给出 --status、--progress、--text、--problems 或 --next 之一")
    current = updates.get_update(ctx, int(cleaned))
    change = updates.UpdateInput(
        status=parse_status(args.status) if args.status is not None else current.status,
        progress=updates.parse_progress(args.progress) if args.progress is not None else current.progress,
        text=args.text if args.text is not None else current.text,
        problems=args.problems if args.problems is not None else current.problems,
        next_steps=args.next if args.next is not None else current.next_steps)
    # The version read above: a change made in between (an edit or a review) is refused, not silently undone.
    view = updates.edit_update(ctx, current.id, change, expected_version=current.version_id)
    if view == current:
        print(f"报送 #{view.id}（{view.code} {view.period}）内容未变，没有修改")
    else:
        print(f"已修改报送 #{view.id}（{view.code} {view.period}）：{view.status_label} {view.progress}%（待审核）")
    return 0


HANDLERS = {"update-edit": _update_edit}
