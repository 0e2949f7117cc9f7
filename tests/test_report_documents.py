"""部门督办单, 催办通知 and 领导简报, built from the demo ledger and read back as a user reads the printed page."""

import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

import pypdf
import pytest

from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.domain.vocabulary import LIGHT_LABELS, Light, Status
from zzdesk.reports.department_sheet import build_department_sheet
from zzdesk.reports.leader_brief import build_leader_brief
from zzdesk.reports.models import NamedItem
from zzdesk.reports.official_document import RenderedPdf
from zzdesk.reports.summary_text import month_day
from zzdesk.reports.urge_notice import build_urge_notice
from zzdesk.services import dashboard, departments, ledger, updates
from zzdesk.services.context import ServiceContext
from zzdesk.services.demo import populate_demo
from zzdesk.services.department_content import brief_content, department_sheet, urge_content
from zzdesk.services.views import TaskView

A4_POINTS = (595.28, 841.89)
BASE_14 = ("Courier", "Helvetica", "Times", "Symbol", "ZapfDingbats")
CANNOT_START_LINE = "，。；：？！）》」、"
CONTACT = "王芳 0371-67180000"
RETURN_NOTE = "未说明超期原因，请补充整改措施后重新报送。"


@pytest.fixture
def demo(ctx: ServiceContext) -> ServiceContext:
    populate_demo(ctx)
    return ctx


def rows(ctx: ServiceContext) -> list[TaskView]:
    plan = ledger.plan_view(ctx)
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def most_overdue_department(ctx: ServiceContext) -> str:
    """The lead department with the most items past their deadline, as the ledger shows them."""
    late = Counter(t.lead for t in rows(ctx) if t.lead and dashboard.is_overdue(t, ctx.today()))
    assert late, "the demo ledger should have overdue items"
    return sorted(late.items(), key=lambda entry: (-entry[1], entry[0]))[0][0]


def pages_text(pdf: RenderedPdf) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.data)).pages]


def compact(value: str) -> str:
    """Text with every line break and space removed: a table cell wraps over several lines."""
    return re.sub(r"\s+", "", value)


def printed(value: str) -> str:
    """Database text as the report prints it (full-width punctuation inside Chinese)."""
    return compact(chinese_punctuation(value))


def returned_update(ctx: ServiceContext, code: str) -> None:
    """A liaison's report on ``code`` that the clerk sends back with a note."""
    view = updates.log_update(ctx, code, updates.UpdateInput(status=Status.ON_TRACK, progress=90, text="正在推进。"))
    updates.review_update(ctx, view.id, accept=False, note=RETURN_NOTE)


# --- 部门督办单 ------------------------------------------------------------------------------------------------------


def test_department_sheet_lists_every_item_with_code_light_and_return(demo: ServiceContext) -> None:
    name = most_overdue_department(demo)
    departments.set_contact(demo, name, CONTACT)
    led = next(t for t in rows(demo) if t.lead == name)
    returned_update(demo, led.code)
    data = department_sheet(demo, name)
    text = "\n".join(pages_text(build_department_sheet(data)))
    flat = compact(text)

    assert "重点任务督办单" in text
    assert f"督办对象：{name}" in text and compact(CONTACT) in flat
    assert any(line.strip() == f"{name}：" for line in text.splitlines())
    lead = [item for item in data.items if item.role == "牵头"]
    co = [item for item in data.items if item.role == "配合"]
    assert f"牵头重点任务{len(lead)}项" in flat
    for item in data.items:
        assert re.search(rf"^\s*{re.escape(item.task.code)}\s*$", text, re.M), item.task.code
        assert printed(item.task.title) in flat, item.task.code
    # Each light is printed as words, once per row that has it.
    for light in (Light.RED, Light.YELLOW, Light.GREEN):
        rows_with_light = sum(item.task.light is light for item in data.items)
        assert len(re.findall(rf"^\s*{LIGHT_LABELS[light]}\s*$", text, re.M)) == rows_with_light
    for item in lead:
        if item.next_report_due:
            assert f"{item.next_report_due:%Y.%m.%d}" in text
    if co:
        assert "配合事项" in text
    for item in data.due_soon:
        assert item.task.deadline is not None
        days = (item.task.deadline - data.as_of).days
        assert (f"{days}天" if days else "今日到期") in text
    assert data.returned and data.returned[0].code == led.code
    assert compact(RETURN_NOTE) in flat
    assert "市政府督查室" in text and f"{data.as_of.year}年{data.as_of.month}月{data.as_of.day}日" in text


def test_department_sheet_says_none_instead_of_an_empty_table(demo: ServiceContext) -> None:
    data = department_sheet(demo, most_overdue_department(demo))
    empty = replace(data, due_soon=(), returned=())
    text = "\n".join(pages_text(build_department_sheet(empty)))

    assert "没有近期到期的事项" in text and "没有被退回待重报的进展" in text
    assert "剩余天数" not in text and "退回意见" not in text  # no table header without rows
    assert "三、近期到期事项" in text and "四、退回待重报" in text


# --- 催办通知 --------------------------------------------------------------------------------------------------------


def counted(text: str, phrase: str) -> int | None:
    match = re.search(rf"{phrase}(\d+)项", compact(text))
    return int(match.group(1)) if match else None


def test_urge_notice_counts_match_the_items_it_lists(demo: ServiceContext) -> None:
    name = most_overdue_department(demo)
    data = urge_content(demo, name)
    text = "\n".join(pages_text(build_urge_notice(data)))
    flat = compact(text)
    opening = re.search(r"截至\d+月\d+日，你单位牵头的重点任务中，(.*?)。", flat)
    assert opening, flat[:200]

    assert re.search(r"关于督促.*的通知", flat)
    assert any(line.strip() == f"{name}：" for line in text.splitlines())
    assert counted(opening.group(1), "超期未完成") == len(data.overdue) > 0
    assert counted(opening.group(1), "逾期未报送进展") == (len(data.missing) or None)
    for item in data.overdue:
        assert re.search(rf"^\s*{re.escape(item.code)}\s*$", text, re.M), item.code
        assert printed(item.title) in flat
        assert f"{item.days_overdue}天" in text
    assert f"于{month_day(data.reply_by)}前" in flat
    assert "此为第" not in flat  # the first notice does not count itself


def test_urge_notice_leaves_out_empty_sections_and_counts_repeat_notices(demo: ServiceContext) -> None:
    late = urge_content(demo, most_overdue_department(demo))
    missing_department = next(t.lead for t in rows(demo) if t.lead and t.report_missing and not t.items)
    unreported = urge_content(demo, missing_department)
    assert unreported.missing

    only_overdue = "\n".join(pages_text(build_urge_notice(replace(late, missing=(), number=3))))
    assert "超期天数" in only_overdue and "应报期间" not in only_overdue
    assert counted(only_overdue, "逾期未报送进展") is None
    assert "此为第3次催办" in compact(only_overdue)

    only_missing = "\n".join(pages_text(build_urge_notice(replace(unreported, overdue=()))))
    assert "应报期间" in only_missing and "超期天数" not in only_missing
    assert counted(only_missing, "逾期未报送进展") == len(unreported.missing)
    assert counted(only_missing, "超期未完成") is None
    for report in unreported.missing:
        assert report.code in only_missing and report.covers in only_missing
        assert f"{report.due_on:%Y.%m.%d}" in only_missing
    assert "一、逾期未报送进展事项" in compact(only_missing)  # numbering closes up over the left-out section


# --- 领导简报 --------------------------------------------------------------------------------------------------------


def brief_numbers(text: str) -> dict[str, int]:
    """The key-numbers table: its nine labels, then its nine numbers, in reading order."""
    labels = ["举措总数", "已完成", "正常推进", "持续推进", "进度滞后", "超期", "红灯", "黄灯", "绿灯"]
    tokens = text.split()
    start = tokens.index(labels[0])
    assert tokens[start:start + len(labels)] == labels
    values = tokens[start + len(labels): start + 2 * len(labels)]
    return dict(zip(labels, (int(v) for v in values), strict=True))


def test_leader_brief_numbers_are_the_dashboards_and_fit_one_page(demo: ServiceContext) -> None:
    data = brief_content(demo)
    pdf = build_leader_brief(data)
    (text,) = pages_text(pdf)
    board = dashboard.dashboard(demo)
    measures = board.measures

    assert pdf.pages == 1
    assert "重点任务推进情况简报" in text
    assert brief_numbers(text) == {
        "举措总数": measures.total, "已完成": measures.status(Status.COMPLETED),
        "正常推进": measures.status(Status.ON_TRACK), "持续推进": measures.status(Status.ONGOING),
        "进度滞后": measures.status(Status.LAGGING),
        "超期": sum(1 for item in board.overdue if item.code.count(".") == 1),
        "红灯": measures.light(Light.RED), "黄灯": measures.light(Light.YELLOW), "绿灯": measures.light(Light.GREEN)}
    assert f"{measures.total}项举措" in compact(text)
    assert "需重点关注" in text
    for risk in data.risks:
        assert re.search(rf"^\s*{re.escape(risk.code)}\s*$", text, re.M), risk.code
        assert f"已超期{risk.days_overdue}天" in compact(text) or not risk.days_overdue
    page = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0]
    images = [x for x in page["/Resources"]["/XObject"].values() if x.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 1  # the lights chart


def test_leader_brief_stays_one_page_with_five_long_risks(demo: ServiceContext) -> None:
    data = brief_content(demo)
    longest = sorted(rows(demo), key=lambda t: -len(t.title))[:5]
    department = max((d.name for d in departments.list_departments(demo)), key=len)
    risks = tuple(NamedItem(code=t.code, title=t.title * 2, lead=department, deadline=t.deadline, days_overdue=365,
                            status=Status.LAGGING, progress=10, expected=100,
                            reasons=("已超期365天", "报送状态为进度滞后")) for t in longest)
    pdf = build_leader_brief(replace(data, risks=risks))
    (text,) = pages_text(pdf)

    assert pdf.pages == 1
    for risk in risks:
        assert re.search(rf"^\s*{re.escape(risk.code)}\s*$", text, re.M), risk.code


# --- what every one of them must be ----------------------------------------------------------------------------------


Builder = Callable[[ServiceContext], RenderedPdf]
BUILDERS: dict[str, Builder] = {
    "督办单": lambda ctx: build_department_sheet(department_sheet(ctx, most_overdue_department(ctx))),
    "催办通知": lambda ctx: build_urge_notice(urge_content(ctx, most_overdue_department(ctx))),
    "简报": lambda ctx: build_leader_brief(brief_content(ctx)),
}


@pytest.fixture(params=list(BUILDERS))
def built(request: pytest.FixtureRequest, demo: ServiceContext) -> tuple[RenderedPdf, RenderedPdf]:
    """The same report built twice from the same database."""
    build = BUILDERS[request.param]
    return build(demo), build(demo)


def test_same_data_gives_identical_bytes(built: tuple[RenderedPdf, RenderedPdf]) -> None:
    first, second = built
    assert first.data == second.data


def test_pages_are_a4_and_every_font_embedded(built: tuple[RenderedPdf, RenderedPdf]) -> None:
    reader = pypdf.PdfReader(io.BytesIO(built[0].data))
    assert len(reader.pages) == built[0].pages
    for page in reader.pages:
        box = page.mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.01)
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for font in fonts.values():
            font = font.get_object()
            name = str(font["/BaseFont"]).lstrip("/").split("+")[-1]
            assert not name.startswith(BASE_14), name
            faces = [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]
            files = [f["/FontDescriptor"].get_object() for f in faces if "/FontDescriptor" in f]
            assert any("/FontFile2" in d for d in files), name


def test_no_line_starts_with_closing_punctuation(built: tuple[RenderedPdf, RenderedPdf]) -> None:
    for number, page in enumerate(pages_text(built[0]), start=1):
        for line in page.splitlines():
            assert not line.strip().startswith(tuple(CANNOT_START_LINE)), (number, line)
