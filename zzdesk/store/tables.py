"""The database tables. Identifiers follow DESIGN.md §2; stored values are the domain enums' values.

A ``Task`` is one row of the ledger (台账): a measure (``G.M``) or a work item (``G.M.K``) that a
clerk split a measure into. Both carry the same assignment fields and receive status updates, so
one table serves both; ``parent_id`` links a work item to its measure.
"""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    section_title: str = Field(sa_column=Column(Text, nullable=False))
    source_name: str = Field(sa_column=Column(String(255), nullable=False))
    source_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    imported_at: datetime


class TaskGroup(SQLModel, table=True):
    __tablename__ = "task_group"

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(sa_column=Column(Integer, ForeignKey("plan.id", ondelete="CASCADE"), nullable=False))
    code: str = Field(sa_column=Column(String(8), nullable=False, unique=True))
    seq: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    intro: str = Field(sa_column=Column(Text, nullable=False, default=""))


def _version_column() -> Column:
    """``version_id`` for optimistic locking: SQLAlchemy adds ``WHERE version_id = ?`` to every UPDATE and bumps it,
    so a save based on a stale read fails (StaleDataError) instead of silently overwriting someone's change."""
    return Column("version_id", Integer, nullable=False, server_default="1")


_DEPARTMENT_VERSION = _version_column()
_TASK_VERSION = _version_column()
_UPDATE_VERSION = _version_column()


class Department(SQLModel, table=True):
    __mapper_args__ = {"version_id_col": _DEPARTMENT_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    short_name: str = Field(sa_column=Column(String(50), nullable=False, default=""))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    active: bool = True
    sort_order: int = 0
    contact: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    version_id: int = Field(default=1, sa_column=_DEPARTMENT_VERSION)


class Task(SQLModel, table=True):
    __table_args__ = (Index("ix_task_group_seq", "group_id", "parent_id", "seq"),)
    __mapper_args__ = {"version_id_col": _TASK_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=Column(Integer, ForeignKey("task_group.id", ondelete="CASCADE"),
                                           nullable=False))
    parent_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("task.id", ondelete="CASCADE"), nullable=True, index=True))
    kind: str = Field(sa_column=Column(String(12), nullable=False))
    code: str = Field(sa_column=Column(String(20), nullable=False, unique=True))
    seq: int
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False, default=""))
    lead_department_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("department.id"), nullable=True, index=True))
    leader: str = Field(default="", sa_column=Column(String(200), nullable=False, default=""))
    start_date: date | None = None
    deadline: date | None = None
    ongoing: bool = False
    cycle: str | None = Field(default=None, sa_column=Column(String(20), nullable=True))
    due_day: int | None = None
    original_deadline: date | None = None  # the deadline first set, kept on record once an extension is approved
    closed_at: datetime | None = None  # 办结: confirmed by a clerk after a final update
    closed_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default="", server_default=""))
    version_id: int = Field(default=1, sa_column=_TASK_VERSION)


class TaskCoDepartment(SQLModel, table=True):
    __tablename__ = "task_co_department"

    task_id: int = Field(sa_column=Column(Integer, ForeignKey("task.id", ondelete="CASCADE"), primary_key=True))
    department_id: int = Field(sa_column=Column(Integer, ForeignKey("department.id"), primary_key=True,
                                                index=True))


class StatusUpdate(SQLModel, table=True):
    __tablename__ = "status_update"
    __table_args__ = (Index("ix_status_update_task_period", "task_id", "period"),)
    __mapper_args__ = {"version_id_col": _UPDATE_VERSION}

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=Column(Integer, ForeignKey("task.id", ondelete="CASCADE"), nullable=False))
    period: str = Field(sa_column=Column(String(7), nullable=False))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    progress: int
    progress_text: str = Field(sa_column=Column(Text, nullable=False))
    problems: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    next_steps: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reporter: str = Field(sa_column=Column(String(100), nullable=False))
    created_at: datetime
    review_state: str = Field(sa_column=Column(String(20), nullable=False))
    review_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    reviewed_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    reviewed_at: datetime | None = None
    version_id: int = Field(default=1, sa_column=_UPDATE_VERSION)


class AuditEntry(SQLModel, table=True):
    """One change or attempt: who, when, what, old → new, outcome. Append-only (triggers refuse UPDATE and
    DELETE) and hash-chained: ``row_hash`` covers the row and ``prev_hash``, the previous row's ``row_hash``."""

    __tablename__ = "audit_entry"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor: str = Field(sa_column=Column(String(100), nullable=False))
    action: str = Field(sa_column=Column(String(50), nullable=False))
    entity: str = Field(sa_column=Column(String(30), nullable=False))
    entity_key: str = Field(sa_column=Column(String(100), nullable=False, index=True))
    changes: str = Field(sa_column=Column(Text, nullable=False, default="{}"))
    outcome: str = Field(default="ok", sa_column=Column(String(20), nullable=False, default="ok"))
    prev_hash: str = Field(default="", sa_column=Column(String(64), nullable=False, default="", server_default=""))
    row_hash: str = Field(default="", sa_column=Column(String(64), nullable=False, default="", server_default=""))


class AuditHead(SQLModel, table=True):
    """The end of the audit hash chain: one row, locked by each writer so two desks never fork the chain."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(default="", sa_column=Column(String(64), nullable=False, default=""))


class UserAccount(SQLModel, table=True):
    """A person who logs in: role, the department a liaison is bound to, and the state of their password."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    role: str = Field(sa_column=Column(String(20), nullable=False))
    department_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("department.id"), nullable=True, index=True))
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    must_change_password: bool = False
    failed_logins: int = 0
    locked_until: datetime | None = None
    active: bool = True
    created_at: datetime
    password_changed_at: datetime


class ExtensionRequest(SQLModel, table=True):
    """延期申请: a liaison asks to move a deadline, a clerk approves or rejects; both deadlines stay on record."""

    __tablename__ = "extension_request"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(sa_column=Column(Integer, ForeignKey("task.id", ondelete="CASCADE"), nullable=False,
                                          index=True))
    old_deadline: date | None = None
    new_deadline: date
    reason: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(sa_column=Column(String(20), nullable=False))  # pending / approved / rejected
    requested_by: str = Field(sa_column=Column(String(100), nullable=False))
    requested_at: datetime
    decided_by: str = Field(default="", sa_column=Column(String(100), nullable=False, default=""))
    decided_at: datetime | None = None
    decision_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class OfficeSetting(SQLModel, table=True):
    """An office-wide setting shared by every desktop on the database (e.g. light thresholds)."""

    __tablename__ = "office_setting"

    key: str = Field(sa_column=Column(String(100), primary_key=True))
    value: str = Field(sa_column=Column(Text, nullable=False))


class Attachment(SQLModel, table=True):
    """佐证材料: an evidence file copied into the data folder under a generated name, attached to one update."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    status_update_id: int = Field(sa_column=Column(
        Integer, ForeignKey("status_update.id", ondelete="CASCADE"), nullable=False, index=True))
    original_name: str = Field(sa_column=Column(String(255), nullable=False))
    stored_name: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    size_bytes: int = Field(sa_column=Column(Integer, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime


class Bulletin(SQLModel, table=True):
    """督查通报的期号: one number per period, counted within the year the bulletin was first issued."""

    __tablename__ = "bulletin"
    __table_args__ = (UniqueConstraint("year", "number", name="uq_bulletin_year_number"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    number: int
    period: str = Field(sa_column=Column(String(7), nullable=False, unique=True))
    as_of: date
    created_at: datetime


class ReportRecord(SQLModel, table=True):
    """One generated report (通报, 督办单, 催办通知 or 领导简报): what, for whom, when, by whom, and its SHA-256,
    so a printed copy can be checked against the archive. A 催办通知's record is the reminder on file."""

    __tablename__ = "report_record"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(20), nullable=False, index=True))
    bulletin_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("bulletin.id"), nullable=True, index=True))
    department_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("department.id"), nullable=True, index=True))
    period: str | None = Field(default=None, sa_column=Column(String(7), nullable=True))
    as_of: date
    generated_at: datetime
    generated_by: str = Field(sa_column=Column(String(100), nullable=False))
    file_name: str = Field(sa_column=Column(Text, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    size_bytes: int
    pages: int
    items: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # codes covered, "、"-joined
