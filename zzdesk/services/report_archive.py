"""报告存档: bulletin numbers (期号) and the record of every generated report with its SHA-256.

A bulletin keeps its number once issued: generating the same period again reprints the same 期号, so the same
data, settings and date give the same bytes. Numbers count within the year the bulletin was first issued.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from zzdesk.domain.dates import Period, parse_period
from zzdesk.domain.errors import StorageError
from zzdesk.domain.permissions import report_action
from zzdesk.domain.vocabulary import REPORT_LABELS, ReportKind
from zzdesk.reports.models import PreviousBulletin
from zzdesk.services import audit
from zzdesk.services.authorization import authorize
from zzdesk.services.context import ServiceContext
from zzdesk.services.updates import as_utc
from zzdesk.store.session import read_session, write_session
from zzdesk.store.tables import Bulletin, Department, ReportRecord

READ_CHUNK = 1 << 20


@dataclass(frozen=True)
class IssueNumber:
    year: int
    number: int
    assigned: bool  # already on record for this period


@dataclass(frozen=True)
class ArchiveEntry:
    id: int
    kind: ReportKind
    title: str  # 「督查通报 2025年第3期（2025年10月）」 or 「催办通知 市发展改革委」
    period: str | None
    department: str | None
    as_of: date
    generated_at: datetime
    generated_by: str
    file_name: str
    sha256: str
    size_bytes: int
    pages: int

    @property
    def kind_label(self) -> str:
        return REPORT_LABELS[self.kind]


@dataclass(frozen=True)
class GeneratedReport:
    """What a generator hands over to be recorded."""

    kind: ReportKind
    file_name: str
    sha256: str
    size_bytes: int
    pages: int
    as_of: date
    period: Period | None = None
    department_id: int | None = None
    issue: IssueNumber | None = None
    items: tuple[str, ...] = ()


def issue_number(session: Session, period: Period, as_of: date) -> IssueNumber:
    """The period's 期号 on record, else the next free number of ``as_of``'s year (not reserved until recorded)."""
    existing = session.exec(select(Bulletin).where(Bulletin.period == str(period))).first()
    if existing is not None:
        return IssueNumber(existing.year, existing.number, assigned=True)
    highest = session.exec(select(func.max(Bulletin.number)).where(Bulletin.year == as_of.year)).one()
    return IssueNumber(as_of.year, (highest or 0) + 1, assigned=False)


def previous_bulletin(session: Session, period: Period) -> PreviousBulletin | None:
    """The latest bulletin on record for an earlier period: what 本期变化 compares with."""
    row = session.exec(select(Bulletin).where(Bulletin.period < str(period))
                       .order_by(Bulletin.period.desc())).first()
    if row is None:
        return None
    return PreviousBulletin(year=row.year, number=row.number, period=parse_period(row.period), as_of=row.as_of)


def reminders_sent(session: Session, department_id: int) -> int:
    return session.exec(select(func.count()).select_from(ReportRecord).where(
        ReportRecord.kind == ReportKind.URGE.value, ReportRecord.department_id == department_id)).one()


def record(ctx: ServiceContext, report: GeneratedReport) -> int:
    """Store the report's record (and a new bulletin's number) in one transaction; returns the record id."""
    authorize(ctx, report_action(report.kind), report.file_name)
    try:
        with write_session(ctx.engine) as session:
            bulletin_id = None
            if report.issue is not None and report.period is not None:
                bulletin_id = _issue(session, ctx, report)
            row = ReportRecord(kind=report.kind.value, bulletin_id=bulletin_id, department_id=report.department_id,
                               period=str(report.period) if report.period else None, as_of=report.as_of,
                               generated_at=ctx.now(), generated_by=ctx.actor, file_name=report.file_name,
                               sha256=report.sha256, size_bytes=report.size_bytes, pages=report.pages,
                               items="、".join(report.items))
            session.add(row)
            session.flush()
            action = "reminder.sent" if report.kind is ReportKind.URGE else "report.generated"
            audit.record(session, ctx, action, "report_record", str(row.id), {
                "kind": (None, report.kind.value), "file": (None, report.file_name), "sha256": (None, report.sha256),
                "period": (None, str(report.period) if report.period else None),
                "items": (None, list(report.items))})
            return int(row.id)
    except IntegrityError as error:
        raise StorageError("另一台电脑刚刚登记了同一期号的通报，请重新生成一次") from error


def _issue(session: Session, ctx: ServiceContext, report: GeneratedReport) -> int:
    assert report.issue is not None and report.period is not None
    existing = session.exec(select(Bulletin).where(Bulletin.period == str(report.period))).first()
    if existing is not None:
        if (existing.year, existing.number) != (report.issue.year, report.issue.number):
            raise StorageError("该期通报的期号刚被另一台电脑登记，请重新生成一次")
        return int(existing.id)
    bulletin = Bulletin(year=report.issue.year, number=report.issue.number, period=str(report.period),
                        as_of=report.as_of, created_at=ctx.now())
    session.add(bulletin)
    session.flush()
    audit.record(session, ctx, "bulletin.issued", "bulletin", f"{bulletin.year}-{bulletin.number}",
                 {"period": (None, bulletin.period)})
    return int(bulletin.id)


def file_sha256(path: Path) -> str:
    """A file's SHA-256, read in chunks (a bulletin with charts is several megabytes)."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as stream:
            while chunk := stream.read(READ_CHUNK):
                digest.update(chunk)
    except FileNotFoundError as error:
        raise StorageError(f"找不到文件“{path}”，它可能已被移动或删除，无法校验。") from error
    except OSError as error:
        raise StorageError(f"无法读取文件“{path}”：{error.strerror or error}") from error
    return digest.hexdigest()


def matching_entries(ctx: ServiceContext, path: Path) -> tuple[str, list[ArchiveEntry]]:
    """The file's SHA-256 and every archived report with exactly these bytes (none: not an original)."""
    actual = file_sha256(path)
    return actual, [entry for entry in archive(ctx) if entry.sha256 == actual]


def archive(ctx: ServiceContext, kind: ReportKind | None = None) -> list[ArchiveEntry]:
    """Every generated report, newest first."""
    with read_session(ctx.engine) as session:
        query = (select(ReportRecord, Bulletin, Department)
                 .join(Bulletin, Bulletin.id == ReportRecord.bulletin_id, isouter=True)
                 .join(Department, Department.id == ReportRecord.department_id, isouter=True))
        if kind is not None:
            query = query.where(ReportRecord.kind == kind.value)
        rows = session.exec(query.order_by(ReportRecord.generated_at.desc(), ReportRecord.id.desc())).all()
        return [_entry(row, bulletin, department) for row, bulletin, department in rows]


def _entry(row: ReportRecord, bulletin: Bulletin | None, department: Department | None) -> ArchiveEntry:
    kind = ReportKind(row.kind)
    title = REPORT_LABELS[kind]
    if bulletin is not None:
        period = parse_period(bulletin.period)
        title += f" {bulletin.year}年第{bulletin.number}期（{period.year}年{period.month}月）"
    elif department is not None:
        title += f" {department.name}"
    return ArchiveEntry(id=int(row.id), kind=kind, title=title, period=row.period,
                        department=department.name if department else None, as_of=row.as_of,
                        generated_at=as_utc(row.generated_at), generated_by=row.generated_by,
                        file_name=row.file_name, sha256=row.sha256, size_bytes=row.size_bytes, pages=row.pages)
