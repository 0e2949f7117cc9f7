"""领导简报: one A4 page a leader reads in a minute — the summary sentence, the key numbers, the lights chart and the
few items that need attention.

It must stay one page whatever the data, so everything but the chart has a bounded size (risk titles are trimmed)
and the chart takes the height that is left, between a readable minimum and its natural size.
"""

from collections.abc import Sequence

from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from zzdesk.domain.vocabulary import Light, Status
from zzdesk.reports.charts import light_split_chart
from zzdesk.reports.models import BriefData, NamedItem
from zzdesk.reports.official_document import (
    TEXT_HEIGHT,
    TEXT_WIDTH,
    OfficialStyles,
    RenderedPdf,
    official_styles,
    render_official_pdf,
)
from zzdesk.reports.pdf_figures import figure_flowable
from zzdesk.reports.pdf_fonts import FANGSONG, HEI
from zzdesk.reports.pdf_parts import HEADER_FILL, RULE, data_table, section_heading, table_style, text
from zzdesk.reports.summary_text import full_date, opening_summary, trim

BRIEF_TITLE = "重点任务推进情况简报"
CHART_TITLE = "举措红黄绿灯总体情况"
DATELINE_SIZE = 14
NUMBER_SIZE = 15
# Risk titles are cut to two lines of the 事项 column; shorter still if the page would not hold a readable chart.
RISK_TITLE_CHARS = (34, 24, 16)
RISK_WIDTHS = (0.07, 0.45, 0.22, 0.26)  # 编号, 事项, 牵头单位 (16 characters in two lines), 情况
CHART_WIDTH = TEXT_WIDTH * 0.8
CHART_MIN_HEIGHT = 1.7 * 72  # five bars still read at this height
CHART_MAX_HEIGHT = 2.9 * 72
CHART_FLOOR = 1.0 * 72
CHART_DPI = 200
GAP = 6  # points around the numbers table and the chart
SAFETY = 12  # points kept free: the frame's own rounding must never push the last row over the page


def build_leader_brief(data: BriefData) -> RenderedPdf:
    """The 简报 on one A4 page, identical bytes for identical data."""
    styles = official_styles()
    title = ParagraphStyle("BriefTitle", parent=styles.title, spaceAfter=2)
    dateline = ParagraphStyle("BriefDateline", fontName=FANGSONG, fontSize=DATELINE_SIZE,
                              leading=DATELINE_SIZE * 1.5, alignment=TA_CENTER, spaceAfter=DATELINE_SIZE / 2)
    summary = opening_summary(data.as_of, data.dashboard.measures, data.measures_overdue, data.work_items)
    head: list[Flowable] = [
        Paragraph(BRIEF_TITLE, title),
        Paragraph(f"{text(data.office.office_name)}　{full_date(data.as_of)}", dateline),
        section_heading(1, "总体情况", styles),
        Paragraph(text(summary), styles.body),
        Spacer(1, GAP), key_numbers_table(data), Spacer(1, GAP),
    ]
    for limit in RISK_TITLE_CHARS:
        tail: list[Flowable] = [Spacer(1, GAP), section_heading(2, "需重点关注", styles),
                                *_risks(data.risks, styles, limit)]
        room = TEXT_HEIGHT - _height(head) - _height(tail) - SAFETY
        if room >= CHART_MIN_HEIGHT:
            break
    # Below the minimum only if even the shortest titles leave no more; never so small that matplotlib fails.
    chart_height = min(max(room, CHART_FLOOR), CHART_MAX_HEIGHT)
    figure = light_split_chart(data.dashboard, size=(CHART_WIDTH / 72, chart_height / 72), measures_only=True,
                               title=CHART_TITLE)
    return render_official_pdf([*head, figure_flowable(figure, CHART_WIDTH, dpi=CHART_DPI), *tail],
                               title=BRIEF_TITLE, author=data.office.office_name, subject=BRIEF_TITLE)


def _height(flowables: Sequence[Flowable]) -> float:
    """How much of the page these take, spacing included (an over-estimate: the frame drops the top space)."""
    return sum(f.wrap(TEXT_WIDTH, TEXT_HEIGHT)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


def key_numbers(data: BriefData) -> list[tuple[str, int]]:
    """The figures a leader asks for first, in the order the summary sentence names them."""
    measures = data.dashboard.measures
    return [("举措总数", measures.total), ("已完成", measures.status(Status.COMPLETED)),
            ("正常推进", measures.status(Status.ON_TRACK)), ("持续推进", measures.status(Status.ONGOING)),
            ("进度滞后", measures.status(Status.LAGGING)), ("超期", data.measures_overdue),
            ("红灯", measures.light(Light.RED)), ("黄灯", measures.light(Light.YELLOW)),
            ("绿灯", measures.light(Light.GREEN))]


def key_numbers_table(data: BriefData) -> Table:
    """One row of labels over one row of large numbers, across the text block."""
    figures = key_numbers(data)
    label = table_style(bold=True, align=TA_CENTER)
    number = ParagraphStyle("BriefNumber", fontName=HEI, fontSize=NUMBER_SIZE, leading=NUMBER_SIZE * 1.3,
                            alignment=TA_CENTER)
    table = Table([[Paragraph(name, label) for name, _ in figures],
                   [Paragraph(f"{value}", number) for _, value in figures]],
                  colWidths=[TEXT_WIDTH / len(figures)] * len(figures))
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, RULE), ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONTNAME", (0, 0), (-1, -1), FANGSONG),  # else reportlab selects (and lists) an unembedded Helvetica
        ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]))
    return table


def risk_reason(item: NamedItem) -> str:
    return "、".join(item.reasons) or "亮红灯"


def _risks(risks: tuple[NamedItem, ...], styles: OfficialStyles, title_chars: int) -> list[Flowable]:
    if not risks:
        return [Paragraph("目前没有超期或进度滞后的事项。", styles.body)]
    rows = [[item.code, trim(item.title, title_chars), item.lead or "未分配", risk_reason(item)]
            for item in risks]
    return [data_table(("编号", "事项", "牵头单位", "情况"), rows, RISK_WIDTHS, centred=(0,))]
