"""Generate a report: gather its contents, lay it out, write the PDF, and record it in the archive.

The one entry point the GUI's 报告 menu and ``zzdesk report`` share. The PDF is made in memory, written through
a temporary file and renamed, then recorded; if recording fails the new file is removed again, so a report on
disk is always one the archive knows, and a failure leaves no partial file. The layout modules (reportlab,
matplotlib) are imported only when a report is made, so importing this module (the GUI's report dialog does, at
start) stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import DomainError, ValidationError
from zzdesk.domain.permissions import report_action
from zzdesk.domain.vocabulary import REPORT_LABELS, ReportKind
from zzdesk.file_write import write_atomically
from zzdesk.services import report_archive
from zzdesk.services.authorization import authorize
from zzdesk.services.bulletin_content import collect_bulletin
from zzdesk.services.context import ServiceContext
from zzdesk.services.department_content import brief_content, department_id, department_sheet, urge_content
from zzdesk.services.report_archive import GeneratedReport, IssueNumber

if TYPE_CHECKING:
    from zzdesk.reports.official_document import RenderedPdf

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ReportRequest:
    kind: ReportKind
    period: Period | None = None  # 督查通报: the reporting month (default: the latest one due)
    department: str | None = None  # 部门督办单 and 催办通知


@dataclass(frozen=True)
class ReportResult:
    path: Path
    kind: ReportKind
    title: str
    sha256: str
    pages: int
    record_id: int


def _no_progress(percent: int, step: str) -> None:
    return None


def check_output(out: Path) -> Path:
    """Refuse an output path that cannot work before spending time on the report."""
    path = Path(out).expanduser()
    if path.suffix.lower() != ".pdf":
        raise ValidationError(f"报告文件“{path.name}”应以 .pdf 结尾")
    if path.is_dir():
        raise ValidationError(f"“{path}”是一个文件夹，请给出 PDF 文件名")
    if not path.parent.is_dir():
        raise ValidationError(f"保存位置“{path.parent}”不存在，请先建立该文件夹或换一个位置")
    return path


def generate_report(ctx: ServiceContext, request: ReportRequest, out: Path,
                    progress: Progress = _no_progress) -> ReportResult:
    authorize(ctx, report_action(request.kind), request.department or request.kind.value)
    path = check_output(out)
    progress(5, "正在读取台账数据")
    pdf, generated, title = _build(ctx, request, progress)
    progress(90, "正在写入文件")
    write_atomically(path, pdf.data)
    record = GeneratedReport(kind=request.kind, file_name=str(path), sha256=pdf.sha256, size_bytes=len(pdf.data),
                             pages=pdf.pages, **generated)
    try:
        record_id = report_archive.record(ctx, record)
    except DomainError:
        path.unlink(missing_ok=True)
        raise
    progress(100, "已完成")
    return ReportResult(path=path, kind=request.kind, title=title, sha256=pdf.sha256, pages=pdf.pages,
                        record_id=record_id)


def _build(ctx: ServiceContext, request: ReportRequest, progress: Progress) -> tuple[RenderedPdf, dict, str]:
    label = REPORT_LABELS[request.kind]
    if request.kind is ReportKind.BULLETIN:
        from zzdesk.reports.bulletin import build_bulletin

        data = collect_bulletin(ctx, request.period)
        progress(30, "正在绘制图表和排版")
        issue = IssueNumber(data.year, data.number, assigned=True)
        return build_bulletin(data), {"as_of": data.as_of, "period": data.period, "issue": issue,
                                      "items": tuple(n.code for n in data.named)}, f"{label} {data.issue_text}"
    if request.kind is ReportKind.BRIEF:
        from zzdesk.reports.leader_brief import build_leader_brief

        brief = brief_content(ctx)
        progress(30, "正在绘制图表和排版")
        return build_leader_brief(brief), {"as_of": brief.as_of, "period": brief.period}, label
    department = _department_name(request)
    if request.kind is ReportKind.DEPARTMENT:
        from zzdesk.reports.department_sheet import build_department_sheet

        sheet = department_sheet(ctx, department)
        progress(30, "正在排版")
        return build_department_sheet(sheet), {"as_of": sheet.as_of, "department_id": department_id(ctx, department)}, \
            f"{label} {sheet.department}"
    from zzdesk.reports.urge_notice import build_urge_notice

    urge = urge_content(ctx, department)
    progress(30, "正在排版")
    codes = tuple(item.code for item in urge.overdue) + tuple(m.code for m in urge.missing)
    return build_urge_notice(urge), {"as_of": urge.as_of, "department_id": department_id(ctx, department),
                                     "items": tuple(dict.fromkeys(codes))}, f"{label} {urge.department}"


def _department_name(request: ReportRequest) -> str:
    if not (request.department or "").strip():
        raise ValidationError(f"{REPORT_LABELS[request.kind]}需要指定单位，请选择一个单位")
    return str(request.department)


def default_file_name(request: ReportRequest, ctx: ServiceContext) -> str:
    """A name a clerk would give the file: 「督查通报-2025-10.pdf」, 「催办通知-市发展改革委-2025-11-20.pdf」."""
    label = REPORT_LABELS[request.kind]
    if request.kind is ReportKind.BULLETIN:
        from zzdesk.services.bulletin_content import default_period

        return f"{label}-{request.period or default_period(ctx.today())}.pdf"
    who = f"-{request.department.strip()}" if request.department and request.department.strip() else ""
    return f"{label}{who}-{ctx.today().isoformat()}.pdf"
