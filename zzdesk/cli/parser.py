"""The command line's grammar: every command, its options and Chinese help."""

import argparse

from zzdesk import __version__
from zzdesk.cli import (
    argparse_zh,
    audit_commands,
    backup_commands,
    exchange_commands,
    task_commands,
    update_commands,
    user_commands,
)

EPILOG = """示例：
  zzdesk --db 演示.sqlite3 init --demo
  zzdesk tree
  zzdesk assign 1.1 --lead 市发展改革委 --deadline 2026-12-31
  zzdesk update 1.1 --status 正常推进 --progress 40 --text "已完成项目谋划储备"
每个命令的说明：zzdesk 命令 -h"""


def build_parser() -> argparse.ArgumentParser:
    argparse_zh.install()
    parser = argparse.ArgumentParser(prog="zzdesk", description="督查室重点任务台账（zzdesk）", epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"zzdesk {__version__}", help="显示版本号并退出")
    parser.add_argument("--smoke", action="store_true",
                        help="自检：在临时文件夹中建演示数据库、离屏显示主窗口、生成并检查督查通报，通过则退出码为 0")
    parser.add_argument("--db", metavar="数据库",
                        help="数据库：文件路径或 SQLAlchemy 地址（也可用环境变量 ZZDESK_DB）；"
                             "默认为本机数据文件夹中的数据库")
    parser.add_argument("--user", metavar="账号",
                        help="登录账号（也可用环境变量 ZZDESK_USER）；数据库已有账号时，修改数据的命令须登录，"
                             "密码在提示时输入或取自环境变量 ZZDESK_PASSWORD")
    commands = parser.add_subparsers(dest="command", title="命令", metavar="命令")

    commands.add_parser("gui", help="打开图形界面（不写命令时也是打开图形界面）")
    commands.add_parser("info", help="显示数据库位置、规划概况和全部命令")
    snapshot = commands.add_parser("snapshot", help="把主要界面渲染为 PNG 截图（无需屏幕）")
    snapshot.add_argument("--out", required=True, metavar="文件夹", help="截图保存到的文件夹")

    init = commands.add_parser("init", help="初始化数据库：载入规划和单位名录")
    init.add_argument("--demo", action="store_true", help="同时装入演示用的分工和进展报送")

    tree = commands.add_parser("tree", help="显示规划：任务组、举措、具体任务及其状态")
    tree.add_argument("--json", action="store_true", help="以 JSON 输出")

    show = commands.add_parser("show", help="显示一项举措或具体任务的分工和状态")
    show.add_argument("code", metavar="编号")
    show.add_argument("--json", action="store_true", help="以 JSON 输出")

    assign = commands.add_parser("assign", help="分配举措或具体任务：牵头单位、配合单位、责任领导、时限、报送周期")
    assign.add_argument("code", metavar="编号", help="如 1.2 或 1.2.1")
    assign.add_argument("--lead", metavar="单位", help="牵头单位（一个）")
    assign.add_argument("--co", metavar="单位", action="append", help="配合单位，可重复；给出时替换原有配合单位")
    assign.add_argument("--no-co", action="store_true", help="清空配合单位")
    assign.add_argument("--leader", metavar="姓名职务", help="责任领导，如“张三（副市长）”")
    assign.add_argument("--start", metavar="日期", help="开始日期，如 2025-01-01")
    assign.add_argument("--deadline", metavar="日期|长期", help="完成时限，如 2026-12-31，或“长期”")
    assign.add_argument("--cycle", metavar="周期", help="报送周期：每月、每季度、每半年、一次性")
    assign.add_argument("--due-day", metavar="日", help="每期几日前报送（1–31），默认 5")

    update = commands.add_parser("update", help="报送一期进展")
    update.add_argument("code", metavar="编号")
    update.add_argument("--status", required=True, metavar="状态", help="未启动、正常推进、进度滞后、已完成、持续推进")
    update.add_argument("--progress", required=True, metavar="进度", help="0–100 的整数")
    update.add_argument("--text", required=True, metavar="进展情况")
    update.add_argument("--problems", default="", metavar="存在问题")
    update.add_argument("--next", default="", metavar="下步打算")
    update.add_argument("--period", metavar="YYYY-MM", help="报送期，默认为当前应报的一期（见 README）")

    history = commands.add_parser("history", help="查看一项任务的进展报送记录")
    history.add_argument("code", metavar="编号")
    history.add_argument("--json", action="store_true", help="以 JSON 输出")

    review = commands.add_parser("review", help="审核一条进展报送：采纳或退回")
    review.add_argument("update_id", metavar="报送号", help="history 中 # 后的数字")
    verdict = review.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--accept", action="store_true", help="采纳")
    verdict.add_argument("--return", dest="return_note", metavar="原因", help="退回，并写明原因")
    update_commands.add_parser(commands)

    split = commands.add_parser("split", help="把举措分解为具体任务：列出建议，或用 --accept 采纳")
    split.add_argument("code", metavar="举措编号")
    split.add_argument("--accept", metavar="序号", nargs="+", help="采纳的建议序号，如 --accept 1 3")
    split.add_argument("--add", metavar="内容", help="手工添加一项具体任务")

    departments = commands.add_parser("departments", help="查看或添加单位")
    departments.add_argument("--json", action="store_true", help="以 JSON 输出")
    department_commands = departments.add_subparsers(dest="departments_command", metavar="子命令")
    add = department_commands.add_parser("add", help="添加单位")
    add.add_argument("name", metavar="名称")
    add.add_argument("--kind", default="市直部门", metavar="类别", help="市直部门、开发区、区县(市)、其他")
    add.add_argument("--short", default="", metavar="简称")
    for verb, text in (("deactivate", "停用单位（保留历史记录，不能再分配任务）"), ("activate", "重新启用单位")):
        toggle = department_commands.add_parser(verb, help=text)
        toggle.add_argument("name", metavar="名称")
    rename = department_commands.add_parser("rename", help="单位更名")
    rename.add_argument("name", metavar="原名称")
    rename.add_argument("new_name", metavar="新名称")
    rename.add_argument("--short", metavar="新简称")

    import_plan = commands.add_parser("import-plan", help="从规划文本文件导入任务组和举措")
    import_plan.add_argument("file", metavar="文件")

    commands.add_parser("check", help="检查数据库完整性和数据规则")

    settings = commands.add_parser("settings", help="查看或修改全局设置（如红黄绿灯阈值）")
    settings_commands = settings.add_subparsers(dest="settings_command", metavar="子命令")
    set_value = settings_commands.add_parser("set", help="修改一项设置")
    set_value.add_argument("key", metavar="设置项")
    set_value.add_argument("value", metavar="值")

    _add_report(commands)
    audit_commands.add_parser(commands)
    user_commands.add_parser(commands)
    task_commands.add_parser(commands)

    backup_commands.add_parser(commands)
    exchange_commands.add_parser(commands)
    return parser


def _add_report(commands) -> None:  # type: ignore[no-untyped-def]
    report = commands.add_parser("report", help="生成 PDF 报告：督查通报、部门督办单、催办通知、领导简报",
                                 description="生成 PDF 报告，并记入报告存档（期号、时间、SHA-256）")
    kinds = report.add_subparsers(dest="report_kind", metavar="报告", required=True)
    bulletin = kinds.add_parser("bulletin", help="督查通报（默认为最近一个已到报送日的月份）")
    bulletin.add_argument("--period", metavar="YYYY-MM", help="报送期，如 2025-10")
    for name, text in (("department", "部门督办单：该单位牵头和配合的全部事项"),
                       ("urge", "催办通知：该单位超期事项和逾期未报送的进展（记为一次催办）")):
        parser = kinds.add_parser(name, help=text)
        parser.add_argument("--dept", required=True, metavar="单位", help="单位全称或简称")
    kinds.add_parser("brief", help="领导简报：一页纸的关键数字、图表和重点风险")
    kinds.add_parser("archive", help="列出已生成的报告（期号、时间、SHA-256）")
    verify = kinds.add_parser("verify", help="校验一份 PDF 是否为存档中的原件（比对 SHA-256）")
    verify.add_argument("file", metavar="文件.pdf")
    for parser in kinds.choices.values():
        if parser.prog.split()[-1] not in ("archive", "verify"):
            parser.add_argument("--out", required=True, metavar="文件.pdf", help="PDF 保存路径")
