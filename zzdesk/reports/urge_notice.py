"""催办通知: a notice to one lead department naming its overdue items and the progress reports it has not sent.

It says how many of each in the opening sentence, lists them (a section only when it has rows), sets the date to
answer by, and — from the second notice on — says which urging this is, so the department knows it is on record.
"""

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer

from zzdesk.domain.vocabulary import STATUS_LABELS
from zzdesk.reports.models import NamedItem, OverdueReport, UrgeData
from zzdesk.reports.official_document import (
    BODY_LEADING,
    OfficialStyles,
    RenderedPdf,
    official_styles,
    render_official_pdf,
)
from zzdesk.reports.pdf_parts import (
    data_table,
    deadline_cell,
    percent,
    section_heading,
    signature_lines,
    table_date,
    text,
)
from zzdesk.reports.summary_text import month_day

OVERDUE_WIDTHS = (0.07, 0.47, 0.135, 0.11, 0.215)  # 编号, 事项, 完成时限, 超期天数, 当前进度
MISSING_WIDTHS = (0.07, 0.52, 0.275, 0.135)  # 编号, 事项, 应报期间, 应报日期
HEADING_ROOM = 5 * BODY_LEADING  # a heading moves to the next page unless its first table rows fit below it
TABLE_GAP = 6


TITLE_BREAK = "\n"  # where a two-line title is broken: whole words per line, never「的/通知」alone


def urge_title(data: UrgeData) -> str:
    """The 标题 says what is urged: finishing overdue items, sending reports, or both."""
    if data.overdue and data.missing:
        return f"关于督促推进超期重点任务{TITLE_BREAK}并报送进展情况的通知"
    if data.overdue:
        return "关于督促推进超期重点任务的通知"
    return "关于督促报送重点任务进展情况的通知"


def build_urge_notice(data: UrgeData) -> RenderedPdf:
    """The 催办通知 as an A4 official document, identical bytes for identical data."""
    styles = official_styles()
    flowables: list[Flowable] = [
        Paragraph(urge_title(data).replace(TITLE_BREAK, "<br/>"), styles.title),
        Paragraph(f"{text(data.department)}：", styles.body_no_indent),  # 主送机关, flush left
        Paragraph(opening_sentence(data), styles.body),
    ]
    sections: list[tuple[str, Flowable]] = []  # an empty section is left out, and the numbering closes up
    if data.overdue:
        sections.append((f"超期未完成事项（{len(data.overdue)}项）", _overdue_table(data.overdue)))
    if data.missing:
        sections.append((f"逾期未报送进展事项（{len(data.missing)}项）", _missing_table(data.missing)))
    for number, (title, table) in enumerate(sections, start=1):
        flowables += [CondPageBreak(HEADING_ROOM), section_heading(number, title, styles), table,
                      Spacer(1, TABLE_GAP)]
    flowables.append(_request_and_signature(data, styles))
    return render_official_pdf(flowables, title=urge_title(data).replace(TITLE_BREAK, ""),
                               author=data.office.office_name, subject=f"{data.department}催办通知")


def opening_sentence(data: UrgeData) -> str:
    """「截至11月20日，你单位牵头的重点任务中，超期未完成4项、逾期未报送进展1项。……」 (a zero count is left out)."""
    counts = []
    if data.overdue:
        counts.append(f"超期未完成{len(data.overdue)}项")
    if data.missing:
        counts.append(f"逾期未报送进展{len(data.missing)}项")
    return (f"截至{month_day(data.as_of)}，你单位牵头的重点任务中，{'、'.join(counts)}。"
            "根据重点任务督查工作安排，现将有关事项通知如下。")


def _current(item: NamedItem) -> str:
    if item.status is None:
        return "尚未报送进展"
    return f"{STATUS_LABELS[item.status]}，{percent(item.progress)}"


def _overdue_table(items: tuple[NamedItem, ...]) -> Flowable:
    rows = [[item.code, item.title, deadline_cell(item.deadline, False, item.original_deadline),
             f"{item.days_overdue}天", _current(item)]
            for item in items]
    return data_table(("编号", "事项", "完成时限", "超期天数", "当前进度"), rows, OVERDUE_WIDTHS, centred=(0, 2, 3))


def _missing_table(reports: tuple[OverdueReport, ...]) -> Flowable:
    rows = [[report.code, report.title, report.covers, table_date(report.due_on)] for report in reports]
    return data_table(("编号", "事项", "应报期间", "应报日期"), rows, MISSING_WIDTHS, centred=(0, 2, 3))


def request_sentence(data: UrgeData, office: str) -> str:
    """「请你单位……于11月25日前……报送市政府督查室。此为第2次催办……」"""
    actions = []
    if data.overdue:
        actions.append("对超期事项逐项说明未完成原因，提出整改措施和预计完成时间")
    if data.missing:
        actions.append("补报逾期未报送的进展情况")
    sentence = f"请你单位高度重视，于{month_day(data.reply_by)}前{'，并'.join(actions)}，书面报送{office}。"
    if data.number > 1:
        sentence += f"此为第{data.number}次催办，请务必按时报送。"
    return sentence + "逾期仍未报送的，将在督查通报中予以通报。"


def _request_and_signature(data: UrgeData, styles: OfficialStyles) -> Flowable:
    """The request and the 落款 on one page: a signature never stands alone."""
    request = Paragraph(request_sentence(data, text(data.office.office_name)), styles.body)
    return KeepTogether([request, *signature_lines(data.office.signature, data.as_of, styles)])
