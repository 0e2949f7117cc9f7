"""What the audit trail's raw words mean in Chinese: actions, the kinds of record, fields, values and outcomes.

Declared once here, so the CLI, the GUI viewer and the CSV export read the same. The raw names stay in the database
(they are part of each row's hash and must never change); a name missing from these tables is shown as it is, so a
row written by a newer version of the program still reads.
"""

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from zzdesk.domain.roles import ROLE_LABELS
from zzdesk.domain.vocabulary import CYCLE_LABELS, KIND_LABELS, REPORT_LABELS, REVIEW_LABELS, STATUS_LABELS

ACTION_LABELS: Mapping[str, str] = {
    # the plan and the ledger
    "plan.load": "载入规划",
    "import.form": "导入部门报送表",
    "import.ledger": "导入任务分解表",
    "task.assign": "分工",
    "task.close": "办结",
    "task.reopen": "撤销办结",
    "work_item.add": "分解具体任务",
    "work_item.rename": "修改具体任务",
    "work_item.remove": "删除具体任务",
    # progress reports
    "update.submit": "报送进展",
    "update.edit": "修改进展报送",
    "update.review": "审核进展报送",
    "update.attach": "上传佐证材料",
    # deadline extensions
    "extension.request": "申请延期",
    "extension.approve": "批准延期",
    "extension.reject": "驳回延期",
    # departments
    "department.seed": "载入单位名录",
    "department.add": "添加单位",
    "department.rename": "单位更名",
    "department.activate": "启用单位",
    "department.deactivate": "停用单位",
    "department.contact": "修改联络人",
    "department.kind": "修改单位类别",
    # reports
    "report.generated": "生成报告",
    "reminder.sent": "催办",
    "bulletin.issued": "编发通报期号",
    # settings
    "setting.set": "修改全局设置",
    # accounts and logins
    "user.add": "新建账户",
    "user.deactivate": "停用账户",
    "user.activate": "启用账户",
    "user.password": "修改密码",
    "user.reset": "重置密码",
    "user.login": "登录",
    "permission.denied": "越权操作被拒绝",
    # storage and the trail itself
    "database.backup": "备份数据库",
    "database.restore": "恢复数据库",
    "audit.export": "导出审计日志",
}

ENTITY_LABELS: Mapping[str, str] = {
    "plan": "规划",
    "task": "任务",
    "status_update": "进展报送",
    "extension_request": "延期申请",
    "department": "单位",
    "report_record": "报告",
    "bulletin": "督查通报",
    "office_setting": "全局设置",
    "user_account": "账户",
    "database": "数据库",
    "audit_entry": "审计日志",
    "import": "导入文件",
}

FIELD_LABELS: Mapping[str, str] = {  # in the order a person reads a change
    "name": "名称",
    "short_name": "简称",
    "title": "内容",
    "kind": "类别",
    "lead": "牵头单位",
    "co": "配合单位",
    "leader": "责任领导",
    "start": "开始日期",
    "original_deadline": "原完成时限",
    "deadline": "完成时限",
    "cycle": "报送周期",
    "due_day": "报送日",
    "period": "报送期",
    "status": "状态",
    "progress": "进度",
    "text": "进展情况",
    "problems": "存在问题",
    "next_steps": "下步打算",
    "review": "审核",
    "note": "审核意见",
    "reason": "理由",
    "closed": "办结",
    "attachments": "佐证材料",
    "active": "启用",
    "contact": "联络人",
    "value": "设定值",
    "role": "角色",
    "department": "单位",
    "must_change_password": "须改密码",
    "password": "密码",
    "password_hash": "密码",
    "failed_logins": "连续登录失败次数",
    "locked_until": "锁定至",
    "action": "试图进行",
    "groups": "任务组",
    "measures": "举措",
    "count": "数量",
    "items": "事项",
    "file": "文件",
    "rows": "条数",
    "sha256": "SHA-256",
    "created_departments": "新建单位",
    "source": "来源",
    "saved_as": "原数据库另存为",
    "overwrite": "覆盖他人修改",
}

OUTCOME_LABELS: Mapping[str, str] = {
    "ok": "成功",
    "denied": "拒绝",
    "refused": "拒绝",
    "failed": "失败",
    "error": "失败",
    "conflict": "冲突",
}

# Stored identifiers of the closed lists, read back as the words the user chose them by.
_VALUE_LABELS: Mapping[str, Mapping[str, str]] = {
    "status": {k.value: v for k, v in STATUS_LABELS.items()},
    "review": {k.value: v for k, v in REVIEW_LABELS.items()},
    "cycle": {k.value: v for k, v in CYCLE_LABELS.items()},
    "kind": {**{k.value: v for k, v in KIND_LABELS.items()}, **{k.value: v for k, v in REPORT_LABELS.items()}},
    "role": {k.value: v for k, v in ROLE_LABELS.items()},
}
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(\+\d{2}:\d{2}|Z)$")  # an instant as recorded
EMPTY = "（空）"


_FIELD_ORDER = {name: number for number, name in enumerate(FIELD_LABELS)}


def field_order(field: str) -> tuple[int, str]:
    """Sort key: known fields in the order above, unknown ones after them by name."""
    return _FIELD_ORDER.get(field, len(_FIELD_ORDER)), field


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field, field)


def outcome_label(outcome: str) -> str:
    return OUTCOME_LABELS.get(outcome, outcome)


def value_text(field: str, value: Any) -> str:
    """One old or new value as a person reads it: labels for stored identifiers, 是/否, lists joined with 、,
    recorded instants in the computer's local time."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(value_text(field, item) for item in value)
    if field == "progress" and isinstance(value, int):
        return f"{value}%"
    if isinstance(value, str) and _INSTANT.match(value):
        return datetime.fromisoformat(value).astimezone().strftime("%Y-%m-%d %H:%M")
    return _VALUE_LABELS.get(field, {}).get(str(value), str(value))


def change_text(field: str, old: Any, new: Any) -> str:
    """「字段：旧 → 新」; a forced overwrite (``[version overwritten, version the form was loaded from]``) is said
    in words."""
    if field == "overwrite":
        return f"{field_label(field)}：表单载入的是第 {new} 版，保存时已是第 {old} 版"
    return f"{field_label(field)}：{value_text(field, old)} → {value_text(field, new)}"


def action_for(text: str) -> str:
    """The raw action for what a user typed: the raw name itself, or its Chinese label."""
    cleaned = (text or "").strip()
    for action, label in ACTION_LABELS.items():
        if cleaned == label:
            return action
    return cleaned
