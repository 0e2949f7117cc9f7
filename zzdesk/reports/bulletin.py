"""督查通报: the periodic bulletin leaders print, laid out from a ``BulletinData`` as a GB/T 9704 document.

Order of the document: 版头, title, the opening summary, 一、总体情况 (two charts), 二、本期变化, 三、点名通报,
四、各单位推进情况 (two charts), 五、分组推进情况 (one part per task group), 六、下步工作要求, 落款, then the
附件 ledger of every measure and the 版记.
"""

from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING

from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, PageBreak, Paragraph, Spacer

from zzdesk.domain.dates import parse_period
from zzdesk.domain.vocabulary import LIGHT_LABELS, STATUS_LABELS, Light, Status
from zzdesk.reports.charts import (
    department_rank_chart,
    group_label,
    light_split_chart,
    progress_history_chart,
    status_by_group_chart,
)
from zzdesk.reports.models import BulletinData, ChangeItem, MeasureReport, NamedItem
from zzdesk.reports.official_document import (
    BODY_LEADING,
    TEXT_WIDTH,
    OfficialStyles,
    RenderedPdf,
    official_styles,
    render_official_pdf,
)
from zzdesk.reports.pdf_figures import figure_flowable
from zzdesk.reports.pdf_fonts import HEI
from zzdesk.reports.pdf_parts import (
    colophon,
    data_table,
    deadline_cell,
    masthead,
    paragraph,
    percent,
    section_heading,
    signature,
    sub_heading,
    text,
)
from zzdesk.reports.summary_text import full_date, month_day, opening_summary, period_text

if TYPE_CHECKING:  # the appendix rows are ledger views; reports only read their fields
    pass

MASTHEAD_NAME = "重点工作督查通报"
CHART_WIDTH = TEXT_WIDTH
# Fractions of the text width; a date such as 2026.09.16 needs 15% at 五号, a percentage 8%.
NAMED_WIDTHS = (0.09, 0.23, 0.17, 0.15, 0.08, 0.08, 0.09, 0.11)  # codes such as 1.3.36 need 9%
LEDGER_WIDTHS = (0.07, 0.25, 0.17, 0.15, 0.11, 0.08, 0.08, 0.09)
Step = Callable[[str], None]



def status_text(status, progress: int | None) -> str:  # type: ignore[no-untyped-def]
    if status is None:
        return "尚未报送"
    return f"{STATUS_LABELS[status]}（{percent(progress)}）" if progress is not None else STATUS_LABELS[status]


def bulletin_title(data: BulletinData) -> str:
    return f"关于{period_text(data.period)}重点任务推进情况的通报"


def appendix_title(data: BulletinData) -> str:
    return f"{period_text(data.period)}重点任务举措推进情况台账"


def build_bulletin(data: BulletinData, step: Step | None = None) -> RenderedPdf:
    flowables = bulletin_flowables(data, step or (lambda _: None))
    return render_official_pdf(flowables, title=f"{MASTHEAD_NAME} {data.issue_text}", author=data.office.office_name,
                               subject=bulletin_title(data))


def bulletin_flowables(data: BulletinData, step: Step) -> Iterator[Flowable]:
    """The document's parts in order, made as the layout takes them: a large ledger's bulletin has a hundred
    thousand paragraphs, and only those around the page being laid out need to exist at once."""
    styles = official_styles()
    step("正在绘制图表")
    yield from masthead(MASTHEAD_NAME, data.issue_text, data.office.office_name, data.as_of)
    yield Paragraph(text(bulletin_title(data)), styles.title)
    yield Paragraph(text(
        f"为推动{data.plan_title}提出的重点任务举措落地见效，{data.office.office_name}对各牵头单位"
        f"{period_text(data.period)}及以前报送的推进情况进行了梳理核实。现将有关情况通报如下："), styles.body)
    yield from _overview(data, styles)
    yield from _changes(data, styles)
    yield from _named(data, styles)
    yield from _departments(data, styles)
    step("正在排版")
    yield from _groups(data, styles)
    yield section_heading(6, "下步工作要求", styles)
    yield from (Paragraph(text(p), styles.body) for p in data.office.requirements.split("\n"))
    yield Spacer(1, BODY_LEADING)
    yield Paragraph(text(f"附件：{appendix_title(data)}"), styles.body)
    yield signature(data.office.signature, data.as_of, styles)
    yield from _appendix(data, styles)
    yield colophon(data.office.send_to, data.office.copy_to, data.office.office_name, data.as_of)


def _chart(figure) -> Flowable:  # type: ignore[no-untyped-def]
    return figure_flowable(figure, CHART_WIDTH)


def _overview(data: BulletinData, styles: OfficialStyles) -> list[Flowable]:
    summary = opening_summary(data.as_of, data.dashboard.measures, data.measures_overdue, data.work_items)
    return [section_heading(1, "总体情况", styles), Paragraph(text(summary), styles.body),
            KeepTogether([Spacer(1, 4), _chart(light_split_chart(data.dashboard, size=(6.1, 1.95),
                                                                   measures_only=True,
                                                                   title="举措红黄绿灯总体情况"))]),
            KeepTogether([Spacer(1, 4), _chart(status_by_group_chart(data.dashboard, size=(6.1, 3.1),
                                                                       measures_only=True,
                                                                       title="各任务组举措红黄绿灯分布"))])]


def _change_lines(items: tuple[ChangeItem, ...], styles: OfficialStyles, empty: str) -> Iterator[Flowable]:
    if not items:
        yield Paragraph(text(empty), styles.body)
    for item in items:
        yield paragraph(f"{item.code} {item.title}（{item.lead or '未分配'}）：{item.note}。", styles.body)


def _changes(data: BulletinData, styles: OfficialStyles) -> Iterator[Flowable]:
    if data.previous is not None:
        since = f"与上期（{data.previous.year}年第{data.previous.number}期，截至{month_day(data.previous.as_of)}）相比"
    else:
        since = f"与{period_text(data.compared_with)}相比"
    missing = sum(len(m.codes) for m in data.missing_reports)
    yield section_heading(2, "本期变化", styles)
    yield Paragraph(text(f"{since}，新完成{len(data.newly_completed)}项，新增滞后或超期{len(data.newly_lagging)}项；"
                         f"截至{month_day(data.as_of)}，仍有{missing}项应报进展未报送。"), styles.body)
    yield sub_heading(1, "新完成事项", styles)
    yield from _change_lines(data.newly_completed, styles, "本期无新完成事项。")
    yield sub_heading(2, "新增滞后事项", styles)
    yield from _change_lines(data.newly_lagging, styles, "本期无新增滞后事项。")
    yield sub_heading(3, "仍未报送进展的单位", styles)
    if not data.missing_reports:
        yield Paragraph("各牵头单位均已按期报送进展。", styles.body)
    for report in data.missing_reports:
        yield paragraph(f"{report.department}：{len(report.codes)}项（{'、'.join(report.codes)}），"
                        f"应于{month_day(report.due_on)}前报送。", styles.body)


def _named_row(item: NamedItem) -> list[str]:
    overdue = f"{item.days_overdue}天" if item.days_overdue else "—"
    situation = "进度滞后" if item.status is Status.LAGGING else "超期未完成"
    return [item.code, item.title, item.lead or "未分配", deadline_cell(item.deadline, False, item.original_deadline),
            overdue,
            percent(item.progress), percent(item.expected), situation]


def _named(data: BulletinData, styles: OfficialStyles) -> list[Flowable]:
    overdue = sum(1 for n in data.named if n.days_overdue)
    parts: list[Flowable] = [section_heading(3, "点名通报", styles)]
    if not data.named:
        return [*parts, Paragraph("本期没有超期或进度滞后的事项。", styles.body)]
    parts.append(Paragraph(text(
        f"截至{month_day(data.as_of)}，以下{len(data.named)}项举措或具体任务超期未完成或进度滞后（其中超期"
        f"{overdue}项），予以点名通报，请牵头单位抓紧整改："), styles.body))
    parts.append(data_table(("编号", "事项", "牵头单位", "完成时限", "超期", "进度", "序时进度", "情况"),
                            [_named_row(n) for n in data.named], NAMED_WIDTHS, centred=(0, 3, 4, 5, 6, 7)))
    return parts


def _departments(data: BulletinData, styles: OfficialStyles) -> list[Flowable]:
    parts: list[Flowable] = [CondPageBreak(BODY_LEADING * 8), section_heading(4, "各单位推进情况", styles)]
    if data.departments:
        worst = [d for d in data.departments if d.rate < 1][:3]
        perfect = sum(1 for d in data.departments if d.rate >= 1)
        sentence = f"{len(data.departments)}个牵头单位中，{perfect}个单位牵头事项全部按时推进"
        if worst:
            names = "、".join(f"{d.name}（{round(d.rate * 100)}%）" for d in worst)
            sentence += f"；按时率较低的是{names}"
        parts.append(Paragraph(text(sentence + "。按时率为牵头事项中未超期、未逾期完成的比例。"), styles.body))
        parts.append(KeepTogether([Spacer(1, 4), _chart(department_rank_chart(data.departments))]))
    parts.append(KeepTogether([Spacer(1, 4), _chart(progress_history_chart(data.history))]))
    return parts


@cache  # a handful of months among a hundred thousand items
def _reported_in(period: str) -> str:
    return period_text(parse_period(period))


def _measure_paragraphs(measure: MeasureReport, styles: OfficialStyles) -> Iterator[Flowable]:
    lead = measure.lead or "未分配"
    state = status_text(measure.status, measure.progress)
    if measure.light not in (Light.DONE, Light.NONE):
        state = f"{LIGHT_LABELS[measure.light]}，{state}"
    head = (f"<font name='{HEI}'>{text(measure.code)} {text(measure.title)}</font>"
            f"（牵头：{text(lead)}；时限：{text(measure.deadline_text)}）{text(state)}。")
    if measure.update.period:
        head += f"{_reported_in(measure.update.period)}报送：{text(measure.update.text)}"
    elif not measure.items_total:
        head += "尚无已采纳的进展报送。"
    if measure.items_total and not measure.items:
        head += text(f"该举措分解为{measure.items_total}项具体任务，已完成{measure.items_completed}项，"
                     f"超期或滞后{measure.items_lagging}项（见点名通报）。")
    yield Paragraph(head, styles.body)
    for item in measure.items:
        said = f"{_reported_in(item.period)}报送：{item.text}" if item.period else "尚无已采纳的报送。"
        yield paragraph(f"{item.code} {item.title}：{said}", styles.body)


def _groups(data: BulletinData, styles: OfficialStyles) -> Iterator[Flowable]:
    yield section_heading(5, "分组推进情况", styles)
    for group in data.groups:
        yield Paragraph(text(group_label(group.code, group.title)), styles.heading2)
        for measure in group.measures:
            yield from _measure_paragraphs(measure, styles)


def _appendix(data: BulletinData, styles: OfficialStyles) -> list[Flowable]:
    rows = [[m.code, m.title, m.lead or "未分配", deadline_cell(m.deadline, m.ongoing, m.original_deadline),
             STATUS_LABELS[m.status] if m.status else "未报送", percent(m.progress), percent(m.expected_progress),
             LIGHT_LABELS[m.light]] for m in data.ledger]
    return [PageBreak(), Paragraph(f"<font name='{HEI}'>附件</font>", styles.body_no_indent), Spacer(1, 4),
            Paragraph(text(appendix_title(data)), styles.title),
            Paragraph(text(f"（截至{full_date(data.as_of)}）"), styles.subtitle),
            data_table(("编号", "举措", "牵头单位", "完成时限", "状态", "进度", "序时进度", "灯"), rows, LEDGER_WIDTHS,
                       centred=(0, 3, 4, 5, 6, 7))]
