"""``zzdesk export`` and ``zzdesk import``: the Excel files the office exchanges with departments.

An import without ``--apply`` prints its preview (one line per row with its verdict) and changes nothing; with
``--apply`` it writes every new row in one transaction, and refuses the whole file (exit 1, nothing written) when
any row is refused, unless ``--skip-errors`` leaves those rows out.
"""

import argparse
from pathlib import Path
from typing import Any

from zzdesk.domain.dates import parse_period
from zzdesk.domain.errors import ValidationError
from zzdesk.services import exchange_export, form_import, ledger_import
from zzdesk.services.context import ServiceContext
from zzdesk.services.import_preview import ImportPreview, ImportResult, PreviewRow, Verdict

_MARKS = {Verdict.NEW: "+", Verdict.CHANGED: "~", Verdict.UNCHANGED: "=", Verdict.ERROR: "✗"}


def add_parser(commands: Any) -> None:
    export = commands.add_parser("export", help="导出 Excel：任务分解表（或 CSV）、部门进展报送表")
    kinds = export.add_subparsers(dest="export_kind", metavar="类型", required=True)
    ledger = kinds.add_parser("ledger", help="任务分解表：整个台账（.xlsx 可直接打印；.csv 为带 BOM 的 UTF-8）")
    ledger.add_argument("--out", metavar="文件", required=True, help="保存为 .xlsx 或 .csv")
    form = kinds.add_parser("form", help="一个单位一期的进展报送表（.xlsx），发给单位填写后导入")
    form.add_argument("--dept", metavar="单位", required=True, help="单位全称或简称")
    form.add_argument("--period", metavar="YYYY-MM", help="报送期（默认为下一次应报送的月份）")
    form.add_argument("--out", metavar="文件", required=True, help="保存为 .xlsx")

    imports = commands.add_parser("import", help="导入 Excel：单位交回的报送表、任务分解表（不加 --apply 只预览）")
    kinds = imports.add_subparsers(dest="import_kind", metavar="类型", required=True)
    form = kinds.add_parser("form", help="导入单位交回的进展报送表")
    ledger = kinds.add_parser("ledger", help="从任务分解表导入分工（牵头单位、配合单位、责任领导、时限、报送周期）")
    for parser in (form, ledger):
        parser.add_argument("file", metavar="文件", help=".xlsx（任务分解表也可为 .csv）")
        parser.add_argument("--apply", action="store_true", help="确认导入（不加则只预览，不做任何修改）")
        parser.add_argument("--skip-errors", action="store_true", help="跳过有错误的行，导入其余各行")
    ledger.add_argument("--map", metavar="表中单位=已有单位", action="append", default=[],
                        help="把表中不认识的单位对应到已有单位，可重复")
    ledger.add_argument("--create-departments", action="store_true", help="新建表中其余不认识的单位")


def _export(ctx: ServiceContext, args: argparse.Namespace) -> int:
    out = Path(args.out).expanduser()
    if args.export_kind == "ledger":
        result = exchange_export.export_ledger(ctx, out)
    else:
        period = parse_period(args.period) if args.period else None
        result = exchange_export.export_form(ctx, args.dept, out, period)
    print(f"已导出{result.title}：{result.rows} 行 → {result.path}")
    return 0


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        unknown, sep, known = pair.partition("=")
        if not sep or not unknown.strip() or not known.strip():
            raise ValidationError(f"--map “{pair}”应写成“表中单位=已有单位”，如 --map 市数据局=市大数据管理局")
        mapping[unknown.strip()] = known.strip()
    return mapping


def _import(ctx: ServiceContext, args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    if args.import_kind == "form":
        preview = form_import.preview_form(ctx, path)
    else:
        mapping = _mapping(args.map)
        preview = ledger_import.preview_ledger(ctx, path, mapping, args.create_departments)
    print_preview(preview)
    if not args.apply:
        print("以上为预览，未做任何修改；确认无误后加 --apply 导入")
        return 0
    if preview.errors and not args.skip_errors:
        raise ValidationError(f"有 {len(preview.errors)} 行错误，未导入任何数据；请改正后重新导入，"
                              "或加 --skip-errors 只导入其余各行")
    if args.import_kind == "form":
        result = form_import.apply_form(ctx, path, preview.sha256, skip_errors=args.skip_errors)
    else:
        result = ledger_import.apply_ledger(ctx, path, preview.sha256, _mapping(args.map), args.create_departments,
                                            skip_errors=args.skip_errors)
    print(result_line(args.import_kind, result))
    return 0


def print_preview(preview: ImportPreview) -> None:
    print(f"{preview.title}（{preview.file_name}，SHA-256 {preview.sha256[:16]}…）")
    for problem in preview.problems:
        print(f"注意：{problem}")
    for row in preview.rows:
        print(preview_line(row))
    if preview.unknown_departments:
        print("不认识的单位：" + "、".join(preview.unknown_departments)
              + "（用 --map 表中单位=已有单位 对应，或加 --create-departments 新建）")
    print(f"合计：{preview.summary()}")


def preview_line(row: PreviewRow) -> str:
    """「第 5 行 1.2  新报送  进度 60 → 80；状态 正常推进 → 已完成」."""
    head = f"{_MARKS[row.verdict]} 第 {row.row} 行 {row.code or '—':<8} {row.verdict_label}"
    if row.verdict is Verdict.ERROR:
        return f"{head}  {row.message}"
    if row.changes:
        return f"{head}  " + "；".join(f"{c.label} {c.before or '（空）'} → {c.after or '（空）'}"
                                       for c in row.changes)
    return head


def result_line(kind: str, result: ImportResult) -> str:
    what = "条新报送" if kind == "form" else "项分工修改"
    parts = [f"已导入 {result.written} {what}"]
    if result.skipped_errors:
        parts.append(f"跳过有错误的 {result.skipped_errors} 行")
    if result.created_departments:
        parts.append("新建单位：" + "、".join(result.created_departments))
    if result.backup:
        parts.append(f"导入前已备份到 {result.backup}")
    return "；".join(parts)


HANDLERS = {"export": _export, "import": _import}
