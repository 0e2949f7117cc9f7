"""Checking the acting user against ``domain/permissions.py`` at the top of every mutating service.

A refused attempt changes nothing but is itself audited: one "permission.denied" row with outcome "denied" (what
was tried, and why it was refused) is written in its own short transaction (the refused change never started),
then ``PermissionDeniedError`` is raised. The task's departments are read only when the answer depends on them
(a liaison on a scoped action).
"""

from sqlmodel import Session, select

from zzdesk.domain.errors import NotFoundError, PermissionDeniedError
from zzdesk.domain.permissions import RULES, Action, TaskDepartments, needs_task, refusal, scope_of
from zzdesk.services import audit
from zzdesk.services.context import ServiceContext
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Department, StatusUpdate, Task, TaskCoDepartment

DENIED_ACTION = "permission.denied"  # the audit action of every refused attempt; "action" names what was tried

# The record kind each action touches, for the "denied" audit row.
ENTITIES: dict[Action, str] = {
    Action.ASSIGN: "task", Action.EDIT_WORK_ITEMS: "task", Action.CLOSE_TASK: "task",
    Action.LOG_UPDATE: "status_update", Action.EDIT_UPDATE: "status_update", Action.REVIEW_UPDATE: "status_update",
    Action.REQUEST_EXTENSION: "extension_request", Action.DECIDE_EXTENSION: "extension_request",
    Action.MANAGE_DEPARTMENTS: "department", Action.CHANGE_SETTINGS: "office_setting",
    Action.GENERATE_REPORT: "report_record", Action.SEND_URGE_NOTICE: "report_record",
    Action.MANAGE_ACCOUNTS: "user_account", Action.CHANGE_OWN_PASSWORD: "user_account",
    Action.IMPORT_PLAN: "plan", Action.LOAD_DEMO: "plan", Action.BACKUP: "database", Action.RESTORE: "database",
    Action.VIEW_AUDIT: "audit_entry", Action.IMPORT_FORM: "import", Action.IMPORT_LEDGER: "import",
}


def authorize(ctx: ServiceContext, action: Action, key: str = "*", *, code: str | None = None,
              update_id: int | None = None) -> None:
    """Return when ``ctx.user`` may do ``action``; otherwise audit the attempt and raise ``PermissionDeniedError``.

    ``code`` (a task) or ``update_id`` (a status update) names what the action is about: the liaison scope rule
    is checked against that task's departments. ``key`` is the audit row's record key when neither is given.
    """
    user = ctx.user
    if user is None:
        return
    scope = None
    if needs_task(user, action) and (code is not None or update_id is not None):
        with read_session(ctx.engine) as session:
            scope = task_departments(session, _task(session, code, update_id))
    message = refusal(user, action, scope)
    if message is None:
        return
    record_denial(ctx, action, code or (f"#{update_id}" if update_id is not None else key), message)
    raise PermissionDeniedError(message)


def record_denial(ctx: ServiceContext, action: Action, key: str, message: str) -> None:
    """The refused attempt's audit row, in its own transaction."""
    user = ctx.user
    changes = {"action": (None, RULES[action].label), "reason": (None, message)}
    if user is not None:
        changes["role"] = (None, user.role.value)
        if user.department:
            changes["department"] = (None, user.department)
    with write_session(ctx.engine) as session:
        audit.record(session, ctx, DENIED_ACTION, ENTITIES[action], key, changes, outcome="denied")


def task_departments(session: Session, task: Task) -> TaskDepartments:
    """A task's lead and co-operating departments; an unassigned work item's are its measure's."""
    own = _departments_of(session, task)
    if own.assigned or task.parent_id is None:
        return own
    measure = session.get(Task, task.parent_id)
    return scope_of(task.code, own, _departments_of(session, measure) if measure is not None else None)


def _departments_of(session: Session, task: Task) -> TaskDepartments:
    lead = session.get(Department, task.lead_department_id) if task.lead_department_id is not None else None
    co = session.exec(select(Department).join(TaskCoDepartment, TaskCoDepartment.department_id == Department.id)
                      .where(TaskCoDepartment.task_id == task.id)
                      .order_by(Department.sort_order, Department.id)).all()
    return TaskDepartments(code=task.code, lead_id=lead.id if lead else None, lead=lead.name if lead else None,
                           co_ids=tuple(d.id for d in co), co=tuple(d.name for d in co))


def _task(session: Session, code: str | None, update_id: int | None) -> Task:
    if code is not None:
        # Imported here: ledger imports office_settings, which imports this module.
        from zzdesk.services.ledger import find_task

        return find_task(session, code)
    row = session.get(StatusUpdate, update_id)
    if row is None:
        raise NotFoundError(f"进展报送 #{update_id} 不存在")
    return session.get(Task, row.task_id)
