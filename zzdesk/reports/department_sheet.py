"""部门督办单: everything one department leads or co-operates on, what falls due and what was sent back, on paper.

The office sends it to the department's liaison, who works down it item by item: each row carries the code they
report under, the deadline, the state as last reported, the light and when the next report is due.
"""

from datetime import date

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from zzdesk.domain.dates import parse_period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import LIGHT_LABELS, Light
from zzdesk.reports.models import DepartmentSheetData, ReturnedLine, SheetItem
from zzdesk.reports.official_document import (
    BODY_LEADING,
    TEXT_WIDTH,
    OfficialStyles,
    RenderedPdf,
    official_styles,
    render_official_pdf,
)
from zzdesk.reports.pdf_fonts import FANGSONG, TITLE
from zzdesk.reports.pdf_parts import (
    RED,
    data_table,
    deadline_cell,
    percent,
    section_heading,
    signature_lines,
    table_date,
    table_style,
    text,
)
from zzdesk.reports.summary_text import full_date, month_day, period_text

SHEET_TITLE = "重点任务督办单"
LEAD = "牵头"
HEADING_SIZE = 26  # lighter than the bulletin's 36 pt 版头: a sheet sent to one department
INFO_SIZE = 14
TABLE_GAP = 6  # points between a table and the heading after it
# A heading goes to the next page unless it, a lead-in line and the first rows of its table fit below it; a long
# table then runs on over the page with its header repeated.
HEADING_ROOM = 5 * BODY_LEADING
NOT_REPORTED = "未报送"
ITEM_HEADER = ("编号", "事项", "完成时限", "状态及进度", "红黄绿灯")
LEAD_WIDTHS = (0.07, 0.395, 0.135, 0.155, 0.11, 0.135)  # … 下次报送
CO_WIDTHS = (0.07, 0.36, 0.135, 0.155, 0.11, 0.17)  # … 牵头单位 (department names are longer than dates)
DUE_SOON_WIDTHS = (0.07, 0.47, 0.135, 0.11, 0.215)
RETURNED_WIDTHS = (0.07, 0.36, 0.145, 0.135, 0.29)


def build_department_sheet(data: DepartmentSheetData) -> RenderedPdf:
    """The 督办单 as an A4 official document, identical bytes for identical data."""
    styles = official_styles()
    lead = [item for item in data.items if item.role == LEAD]
    co = [item for item in data.items if item.role != LEAD]
    flowables: list[Flowable] = [
        *_heading(data),
        Paragraph(f"{text(data.department)}：", styles.body_no_indent),
        Paragraph(_opening(data, lead, co), styles.body),
        *_section(1, "牵头事项", styles),
        *_items(lead, "你单位目前没有牵头事项。", styles, lead_table=True),
        *_section(2, "配合事项", styles),
        *_items(co, "你单位目前没有配合事项。", styles, lead_table=False),
        *_section(3, "近期到期事项", styles),
        *_due_soon(data, styles),
        *_section(4, "退回待重报", styles),
        *_returned(data.returned, styles),
        # The 落款 never stands alone on a page: the closing request goes with it.
        KeepTogether([Paragraph(_closing(data, lead, co), styles.body),
                      *signature_lines(data.office.signature, data.as_of, styles)]),
    ]
    return render_official_pdf(flowables, title=f"{SHEET_TITLE}（{data.department}）", author=data.office.office_name,
                               subject=f"{data.department}重点任务督办")


def _heading(data: DepartmentSheetData) -> list[Flowable]:
    """A lighter 版头 than the bulletin's: the sheet's name in red, whom it is for and the date, a thin red rule."""
    title = ParagraphStyle("SheetTitle", fontName=TITLE, fontSize=HEADING_SIZE, leading=HEADING_SIZE * 1.3,
                           alignment=TA_CENTER, textColor=RED)
    info = ParagraphStyle("SheetInfo", fontName=FANGSONG, fontSize=INFO_SIZE, leading=INFO_SIZE * 1.5,
                          alignment=TA_LEFT, wordWrap="CJK")
    right = ParagraphStyle("SheetInfoDate", parent=info, alignment=TA_RIGHT)
    rows: list[list[object]] = [[Paragraph(f"督办对象：{text(data.department)}", info),
                                 Paragraph(full_date(data.as_of), right)]]
    commands: list[tuple] = [("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                             ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                             ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                             ("FONTNAME", (0, 0), (-1, -1), FANGSONG)]  # else reportlab selects Helvetica
    if data.contact.strip():
        rows.append([Paragraph(f"联络人：{text(data.contact)}", info), ""])
        commands.append(("SPAN", (0, 1), (-1, 1)))  # a long contact line may use the date's column too
    line = Table(rows, colWidths=[TEXT_WIDTH * 0.7, TEXT_WIDTH * 0.3], style=TableStyle(commands))
    return [Paragraph(SHEET_TITLE, title), Spacer(1, 4 * mm), line,
            HRFlowable(width="100%", thickness=1, color=RED, spaceBefore=1 * mm, spaceAfter=5 * mm)]


def _section(number: int, title: str, styles: OfficialStyles) -> list[Flowable]:
    return [CondPageBreak(HEADING_ROOM), section_heading(number, title, styles)]


def _overdue(items: list[SheetItem]) -> list[SheetItem]:
    return [item for item in items if item.task.days_overdue > 0]


def _red(items: list[SheetItem]) -> list[SheetItem]:
    return [item for item in items if item.task.light is Light.RED]


def _opening(data: DepartmentSheetData, lead: list[SheetItem], co: list[SheetItem]) -> str:
    """「截至11月20日，你单位牵头重点任务4项、配合3项；牵头事项中超期未完成4项、亮红灯4项……」"""
    counts = [f"牵头重点任务{len(lead)}项"] + ([f"配合{len(co)}项"] if co else [])
    details = []
    if late := _overdue(lead):
        details.append(f"超期未完成{len(late)}项")
    if red := _red(lead):
        details.append(f"亮红灯{len(red)}项")
    detail = f"；牵头事项中{'、'.join(details)}" if details else ""
    extra = []
    if data.due_soon:
        extra.append(f"近期到期{len(data.due_soon)}项")
    if data.returned:
        extra.append(f"退回待重报的进展{len(data.returned)}条")
    tail = f"，另有{'、'.join(extra)}" if extra else ""
    return (f"截至{month_day(data.as_of)}，你单位{'、'.join(counts)}{detail}{tail}。"
            "现将有关事项督办如下，请抓紧推进落实。")


def _table(table: Flowable) -> list[Flowable]:
    return [table, Spacer(1, TABLE_GAP)]


def _deadline(item: SheetItem) -> str | Flowable:
    return deadline_cell(item.task.deadline, item.task.ongoing, item.task.original_deadline)


def _state(item: SheetItem) -> Paragraph:
    """「进度滞后」 over 「63%／100%」: the reported state, then progress against 序时进度."""
    task = item.task
    progress = percent(task.progress)
    if task.expected_progress is not None:
        progress += f"／{percent(task.expected_progress)}"
    return Paragraph(f"{text(task.status_label or NOT_REPORTED)}<br/>{progress}", table_style(align=TA_CENTER))


def _light(light: Light) -> Paragraph:
    """The light in words; 红灯 set in 黑体 so it stands out on a black-and-white print."""
    return Paragraph(LIGHT_LABELS[light], table_style(bold=light is Light.RED, align=TA_CENTER))


def _items(items: list[SheetItem], none: str, styles: OfficialStyles, lead_table: bool) -> list[Flowable]:
    if not items:
        return [Paragraph(none, styles.body)]
    rows = [[item.task.code, item.task.title, _deadline(item), _state(item), _light(item.task.light),
             table_date(item.next_report_due) if lead_table else item.task.lead or "未分配"] for item in items]
    header = (*ITEM_HEADER, "下次报送" if lead_table else "牵头单位")
    note = ("状态及进度为最近一次报送的状态、进度和当前序时进度。" if lead_table else
            "配合事项的进展由牵头单位报送，请及时向牵头单位提供配合工作情况。")
    table = data_table(header, rows, LEAD_WIDTHS if lead_table else CO_WIDTHS, centred=(0, 2, 5))
    return [table, Spacer(1, 2), Paragraph(note, styles.note), Spacer(1, TABLE_GAP)]


def _due_soon(data: DepartmentSheetData, styles: OfficialStyles) -> list[Flowable]:
    if not data.due_soon:
        return [Paragraph("你单位目前没有近期到期的事项。", styles.body)]
    rows = [[item.task.code, item.task.title, _deadline(item), _days_left(item.task.deadline, data.as_of),
             f"{item.task.status_label or NOT_REPORTED}，{percent(item.task.progress)}"] for item in data.due_soon]
    intro = Paragraph("以下事项完成时限临近，请确保按期完成：", styles.body)
    return [intro, *_table(data_table(("编号", "事项", "完成时限", "剩余天数", "当前进度"), rows, DUE_SOON_WIDTHS,
                                      centred=(0, 2, 3)))]


def _days_left(deadline: date | None, as_of: date) -> str:
    if deadline is None:
        return "—"
    days = (deadline - as_of).days
    return "今日到期" if days == 0 else f"{days}天"


def _period(line: ReturnedLine) -> str:
    """「2025年10月」 for the stored 「2025-10」; any other text as it is."""
    try:
        return period_text(parse_period(line.period))
    except ValidationError:
        return line.period


def _returned(lines: tuple[ReturnedLine, ...], styles: OfficialStyles) -> list[Flowable]:
    if not lines:
        return [Paragraph("你单位目前没有被退回待重报的进展。", styles.body)]
    rows = [[line.code, line.title, _period(line), table_date(line.returned_on), line.note or "（未填写退回意见）"]
            for line in lines]
    intro = Paragraph("以下进展报送经审核退回，请按审核意见修改后重新报送：", styles.body)
    return [intro, *_table(data_table(("编号", "事项", "报送期", "退回日期", "退回意见"), rows, RETURNED_WIDTHS,
                                      centred=(0, 2, 3)))]


def _closing(data: DepartmentSheetData, lead: list[SheetItem], co: list[SheetItem]) -> str:
    """What the department is asked to do, naming only what this sheet actually lists."""
    asks = []
    if lead:
        asks.append("牵头事项按报送周期及时报送进展")
    if _overdue(lead) or _red(lead):
        asks.append("超期和亮红灯事项逐项说明原因，明确整改措施和完成时间")
    if data.due_soon:
        asks.append("近期到期事项确保按期完成")
    if data.returned:
        asks.append("退回的进展按审核意见修改后重新报送")
    if co:
        asks.append("配合事项主动对接牵头单位，协同推进")
    return (f"请你单位对照本督办单，逐项压实责任：{'；'.join(asks)}。"
            f"工作中遇到的困难和问题，请及时与{text(data.office.office_name)}沟通。")
