"""Who may do what: the one table of rules every mutating service checks.

The GUI hides what a role cannot do, but that is a convenience; the services refuse it anyway, by asking this
table. Each kind of change is an ``Action``; ``RULES`` says which roles may perform it and whether a liaison may
do so only for tasks their own department leads or co-operates on (the scope rule). ``user=None`` is the program
itself (creating a database, loading the plan or the demo) and may do everything.

Decisions behind the table (issue 5: least privilege):
- 督查室 (clerk): everything in the ledger — assignments, work items, updates, reviews, closing, extension
  decisions, departments, settings, reports and urging notices, plan import, Excel imports (a department's
  returned 报送表 and the 任务分解表: the office enters what departments mailed back), backups.
- 联络员 (liaison): logs and edits updates and requests extensions, only for tasks their department leads or
  co-operates on; a work item not yet assigned belongs to its measure's departments. Nothing else.
- 领导 (leader): changes nothing, but may generate reports (reading the ledger as a printed report; the archive
  row it leaves is a record of that, not a change to the ledger). An urging notice (催办通知) is an official act
  towards a department and is counted as a reminder sent, so it stays with the clerk.
- 系统管理员 (admin): accounts, settings and backups/restore; no ledger data (the issue gives them "users and
  settings", and least privilege keeps them out of the ledger).
- The audit trail shows every person's actions: administrators and the clerk read and export it.
- Everyone may change their own password.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from zzdesk.domain.errors import PermissionDeniedError
from zzdesk.domain.roles import ROLE_LABELS, CurrentUser, Role
from zzdesk.domain.vocabulary import ReportKind


class Action(StrEnum):
    """Every kind of change a person can make (and reading the audit trail, which is not for everyone)."""

    ASSIGN = "assign"
    EDIT_WORK_ITEMS = "edit_work_items"
    LOG_UPDATE = "log_update"
    EDIT_UPDATE = "edit_update"
    REVIEW_UPDATE = "review_update"
    CLOSE_TASK = "close_task"
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"
    MANAGE_DEPARTMENTS = "manage_departments"
    CHANGE_SETTINGS = "change_settings"
    GENERATE_REPORT = "generate_report"
    SEND_URGE_NOTICE = "send_urge_notice"
    MANAGE_ACCOUNTS = "manage_accounts"
    CHANGE_OWN_PASSWORD = "change_own_password"
    IMPORT_PLAN = "import_plan"
    IMPORT_FORM = "import_form"  # a department's returned 进展报送表 (Excel)
    IMPORT_LEDGER = "import_ledger"  # assignments from a 任务分解表 (Excel)
    LOAD_DEMO = "load_demo"
    BACKUP = "backup"
    RESTORE = "restore"
    VIEW_AUDIT = "view_audit"  # reading or exporting the audit trail (every person's actions)


@dataclass(frozen=True)
class Rule:
    label: str  # the action as the office says it, used in refusals: 「审核报送」
    roles: frozenset[Role]
    scope_phrase: str = ""  # set for actions a liaison may take only on their department's tasks

    @property
    def scoped(self) -> bool:
        return bool(self.scope_phrase)


_CLERK = frozenset({Role.CLERK})
_CLERK_AND_LIAISON = frozenset({Role.CLERK, Role.LIAISON})

RULES: Mapping[Action, Rule] = MappingProxyType({
    Action.ASSIGN: Rule("分工（牵头单位、配合单位、责任领导、完成时限、报送周期）", _CLERK),
    Action.EDIT_WORK_ITEMS: Rule("分解、改写或删除具体任务", _CLERK),
    Action.LOG_UPDATE: Rule("报送进展", _CLERK_AND_LIAISON, "报送本单位牵头或配合的任务"),
    Action.EDIT_UPDATE: Rule("修改进展报送", _CLERK_AND_LIAISON, "修改本单位牵头或配合任务的报送"),
    Action.REVIEW_UPDATE: Rule("审核报送（采纳或退回）", _CLERK),
    Action.CLOSE_TASK: Rule("办结确认", _CLERK),
    Action.REQUEST_EXTENSION: Rule("申请延期", _CLERK_AND_LIAISON, "为本单位牵头或配合的任务申请延期"),
    Action.DECIDE_EXTENSION: Rule("审批延期申请", _CLERK),
    Action.MANAGE_DEPARTMENTS: Rule("维护单位名录", _CLERK),
    Action.CHANGE_SETTINGS: Rule("修改系统设置", frozenset({Role.ADMIN, Role.CLERK})),
    Action.GENERATE_REPORT: Rule("生成报告", frozenset({Role.CLERK, Role.LEADER})),
    Action.SEND_URGE_NOTICE: Rule("发出催办通知", _CLERK),
    Action.MANAGE_ACCOUNTS: Rule("管理账号（新增、停用、重置密码、解锁）", frozenset({Role.ADMIN})),
    Action.CHANGE_OWN_PASSWORD: Rule("修改本人密码", frozenset(Role)),
    Action.IMPORT_PLAN: Rule("导入规划", _CLERK),
    Action.IMPORT_FORM: Rule("导入部门报送表", _CLERK),
    Action.IMPORT_LEDGER: Rule("导入任务分解表", _CLERK),
    Action.LOAD_DEMO: Rule("装入演示数据", frozenset()),
    Action.BACKUP: Rule("备份数据库", frozenset({Role.ADMIN, Role.CLERK})),
    Action.RESTORE: Rule("从备份恢复数据库", frozenset({Role.ADMIN})),
    Action.VIEW_AUDIT: Rule("查看或导出审计日志", frozenset({Role.ADMIN, Role.CLERK})),
})

_ROLE_HINTS: Mapping[Role, str] = {
    Role.ADMIN: "系统管理员负责账号和系统设置，不修改台账",
    Role.CLERK: "督查室负责台账、审核和报告",
    Role.LIAISON: "联络员只能报送本单位牵头或配合的任务",
    Role.LEADER: "领导账号只能查看台账和生成报告",
}


@dataclass(frozen=True)
class TaskDepartments:
    """The departments a task belongs to, for the liaison scope rule and for saying so in a refusal."""

    code: str
    lead_id: int | None = None
    lead: str | None = None
    co_ids: tuple[int, ...] = ()
    co: tuple[str, ...] = ()

    @property
    def assigned(self) -> bool:
        return self.lead_id is not None

    def involves(self, department_id: int | None) -> bool:
        return department_id is not None and (department_id == self.lead_id or department_id in self.co_ids)

    def describe(self) -> str:
        """「2.1 由市发展改革委牵头，市财政局配合」 or 「2.1 尚未分工」."""
        if not self.assigned:
            return f"{self.code} 尚未分工"
        text = f"{self.code} 由{self.lead}牵头"
        return text + (f"，{'、'.join(self.co)}配合" if self.co else "")


def scope_of(code: str, own: TaskDepartments, measure: TaskDepartments | None) -> TaskDepartments:
    """A work item not yet assigned belongs to its measure's departments (they split it and answer for it)."""
    if own.assigned or measure is None:
        return own
    return TaskDepartments(code=code, lead_id=measure.lead_id, lead=measure.lead, co_ids=measure.co_ids,
                           co=measure.co)


def report_action(kind: ReportKind) -> Action:
    """An urging notice is counted as a reminder sent to the department; every other report only reads."""
    return Action.SEND_URGE_NOTICE if kind is ReportKind.URGE else Action.GENERATE_REPORT


def needs_task(user: CurrentUser | None, action: Action) -> bool:
    """True when the answer depends on the task's departments (a liaison on a scoped action)."""
    return user is not None and user.role is Role.LIAISON and RULES[action].scoped


def _who(roles: Iterable[Role]) -> str:
    return "或".join(ROLE_LABELS[role] for role in Role if role in roles)


def refusal(user: CurrentUser | None, action: Action, departments_of_task: TaskDepartments | None = None) -> str | None:
    """None when ``user`` may do ``action`` (on that task); otherwise the Chinese sentence saying who may."""
    if user is None:
        return None
    rule = RULES[action]
    if user.role not in rule.roles:
        if not rule.roles:
            return f"{rule.label}只能由程序在新建数据库时进行，登录账号不能操作"
        return (f"{rule.label}只能由{_who(rule.roles)}办理；当前账号“{user.name}”是{ROLE_LABELS[user.role]}，"
                f"{_ROLE_HINTS[user.role]}")
    if not needs_task(user, action):
        return None
    if user.department_id is None:
        return f"联络员账号“{user.name}”尚未绑定单位，不能{rule.label}；请系统管理员为该账号指定单位"
    if departments_of_task is None:
        return f"联络员{rule.label}时须指明任务，只能{rule.scope_phrase}"
    if departments_of_task.involves(user.department_id):
        return None
    mine = f"；您的单位是{user.department}" if user.department else ""
    return f"联络员只能{rule.scope_phrase}（{departments_of_task.describe()}{mine}）"


def allowed(user: CurrentUser | None, action: Action, departments_of_task: TaskDepartments | None = None) -> bool:
    return refusal(user, action, departments_of_task) is None


def require(user: CurrentUser | None, action: Action, departments_of_task: TaskDepartments | None = None) -> None:
    """Raise ``PermissionDeniedError`` (nothing audited here: ``services/authorization.py`` audits and raises)."""
    message = refusal(user, action, departments_of_task)
    if message is not None:
        raise PermissionDeniedError(message)


def allowed_actions(user: CurrentUser | None) -> frozenset[Action]:
    """What the role may do at all (scoped actions included): what the GUI shows enabled."""
    if user is None:
        return frozenset(Action)
    return frozenset(action for action, rule in RULES.items() if user.role in rule.roles)


class _TaskLike(Protocol):
    lead: str | None
    co: tuple[str, ...]


def visible_to(user: CurrentUser | None, task: _TaskLike, measure: _TaskLike | None = None) -> bool:
    """Whether a ledger row belongs in this user's view: a liaison sees only their department's tasks.

    ``task`` is a ``TaskView`` (or anything with ``lead`` and ``co`` names and optional ``items``); a measure is
    visible when the department is on it or on one of its items, an unassigned work item when it is on its
    ``measure``. Everyone else sees the whole ledger.
    """
    if user is None or user.role is not Role.LIAISON:
        return True
    if not user.department:
        return False

    def on(row: _TaskLike) -> bool:
        return user.department == row.lead or user.department in row.co

    if on(task) or any(on(item) for item in getattr(task, "items", ())):
        return True
    return task.lead is None and measure is not None and on(measure)
