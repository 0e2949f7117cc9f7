"""Integrity checks and backups of the open database."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from zzdesk.domain.dates import parse_period
from zzdesk.domain.errors import DomainError, StorageError
from zzdesk.domain.permissions import Action
from zzdesk.domain.vocabulary import Cycle, DepartmentKind, ReviewState, Status
from zzdesk.services import audit, backups
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.store.backup import (
    MANUAL,
    backup_folder,
    backup_sqlite,
    default_backup_path,
    list_backups,
    newest_good_backup,
)
from zzdesk.store.engine import is_sqlite
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Department, StatusUpdate, Task, TaskCoDepartment, TaskGroup


@dataclass
class CheckReport:
    storage: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(ctx: ServiceContext, full: bool = True) -> CheckReport:
    """SQLite's own integrity check plus the model's invariants; each problem in Chinese."""
    report = CheckReport()
    with read_session(ctx.engine) as session:
        if is_sqlite(ctx.engine):
            pragma = "integrity_check" if full else "quick_check"
            results = [row[0] for row in session.exec(text(f"PRAGMA {pragma}"))]
            report.storage.append(f"SQLite {pragma}: {'、'.join(results)}")
            if results != ["ok"]:
                report.problems.extend(f"数据库文件损坏：{r}" for r in results)
            for row in session.exec(text("PRAGMA foreign_key_check")):
                report.problems.append(f"表 {row[0]} 第 {row[1]} 行引用了不存在的 {row[2]} 记录")
        else:
            # A server keeps its own pages consistent (and enforces foreign keys); say which one answered.
            version = session.exec(text("SHOW server_version")).one()[0]
            report.storage.append(f"PostgreSQL {version}：连接正常")
        _check_model(session, report)
    report.storage.extend(backup_status(ctx))
    return report


def _check_model(session: Session, report: CheckReport) -> None:
    groups = {g.id: g for g in session.exec(select(TaskGroup))}
    tasks = {t.id: t for t in session.exec(select(Task))}
    departments = {d.id: d for d in session.exec(select(Department))}
    report.counts = {"任务组": len(groups), "举措": sum(t.kind == "measure" for t in tasks.values()),
                     "具体任务": sum(t.kind == "work_item" for t in tasks.values()), "单位": len(departments)}
    problem = report.problems.append
    for task in tasks.values():
        group = groups.get(task.group_id)
        parent = tasks.get(task.parent_id) if task.parent_id else None
        if task.kind == "measure":
            expected_code = f"{group.code}.{task.seq}" if group else None
            if task.parent_id is not None:
                problem(f"举措 {task.code} 不应有上级任务")
        elif task.kind == "work_item":
            expected_code = f"{parent.code}.{task.seq}" if parent else None
            if parent is None or parent.kind != "measure":
                problem(f"具体任务 {task.code} 没有所属举措")
        else:
            expected_code = None
            problem(f"任务 {task.code} 的类型“{task.kind}”无效")
        if expected_code is not None and task.code != expected_code:
            problem(f"任务编号 {task.code} 与其位置不符（应为 {expected_code}）")
        if task.start_date and task.deadline and task.deadline < task.start_date:
            problem(f"{task.code} 的完成时限早于开始日期")
        if task.ongoing and task.deadline is not None:
            problem(f"{task.code} 同时标为长期又有完成时限")
        if task.cycle is not None and task.cycle not in Cycle.__members__.values():
            problem(f"{task.code} 的报送周期“{task.cycle}”无效")
        if task.lead_department_id is not None and task.lead_department_id not in departments:
            problem(f"{task.code} 的牵头单位不存在")
    for link in session.exec(select(TaskCoDepartment)):
        task = tasks.get(link.task_id)
        if task is not None and task.lead_department_id == link.department_id:
            problem(f"{task.code} 的牵头单位同时被列为配合单位")
    for department in departments.values():
        if department.kind not in DepartmentKind.__members__.values():
            problem(f"单位“{department.name}”的类别“{department.kind}”无效")
    for update in session.exec(select(StatusUpdate)):
        code = tasks[update.task_id].code if update.task_id in tasks else f"#{update.task_id}"
        if not 0 <= update.progress <= 100:
            problem(f"{code} 的报送 #{update.id} 进度 {update.progress} 超出 0–100")
        if update.status not in Status.__members__.values():
            problem(f"{code} 的报送 #{update.id} 状态“{update.status}”无效")
        if update.review_state not in ReviewState.__members__.values():
            problem(f"{code} 的报送 #{update.id} 审核状态“{update.review_state}”无效")
        if not update.progress_text.strip():
            problem(f"{code} 的报送 #{update.id} 没有进展情况")
        try:
            parse_period(update.period)
        except DomainError:
            problem(f"{code} 的报送 #{update.id} 报送期“{update.period}”无效")


def backup(ctx: ServiceContext, out: Path | None = None) -> Path:
    """A backup a person asked for (``zzdesk backup``, 文件 → 备份): never rotated away, and audited."""
    authorize(ctx, Action.BACKUP, str(out) if out is not None else "*")
    source = ctx.database.target.sqlite_path
    if source is None:
        raise StorageError(f"{backups.POSTGRES_NOTE}（见 README“数据安全与备份”）")
    destination = out if out is not None else default_backup_path(source, MANUAL, ctx.now())
    path = backup_sqlite(source, destination.resolve())
    with write_session(ctx.engine) as session:
        audit.record(session, ctx, "database.backup", "database", source.name, {"file": (None, str(path))})
    return path


def scratch_copy(ctx: ServiceContext, out: Path) -> Path:
    """A copy for the program's own use (e.g. the screenshots' demo work): not a backup anyone asked for, so it
    is neither authorized nor audited, and the database is not written to."""
    source = ctx.database.target.sqlite_path
    if source is None:
        raise StorageError(backups.POSTGRES_NOTE)
    return backup_sqlite(source, out.resolve())


def backup_status(ctx: ServiceContext) -> list[str]:
    """Lines for ``zzdesk check``: where the backups are and the newest good one."""
    source = ctx.database.target.sqlite_path
    if source is None:
        return [backups.POSTGRES_NOTE]
    newest = newest_good_backup(source)
    count = len(list_backups(source))
    if newest is None:
        return [f"备份：{backup_folder(source)} 中没有完好的备份"]
    return [f"备份：{backup_folder(source)} 中共 {count} 份，最新的完好备份 {newest.path.name}（{newest.label}）"]
