"""The printed 督查通报, read back from the PDF: its numbers, names and titles are the database's; it is an A4
official document with every font embedded; the same inputs give the same bytes; and a failure leaves nothing."""

import errno
import hashlib
import re
from pathlib import Path

import pypdf
import pytest
from pypdf.generic import NameObject

from conftest import TODAY
from zzdesk.cli import main
from zzdesk.domain.dates import Period
from zzdesk.domain.errors import StorageError, ValidationError
from zzdesk.domain.typeset import chinese_punctuation
from zzdesk.domain.vocabulary import Light, ReportKind, Status
from zzdesk.reports import official_document
from zzdesk.services import demo, ledger, office_settings, report_archive
from zzdesk.services.reports import ReportRequest, generate_report

CLOSING_MARKS = "，。、；：？！）》」』】”’"
BASE_14 = ("Courier", "Helvetica", "Times", "Symbol", "ZapfDingbats")
A4_POINTS = (595.28, 841.89)


@pytest.fixture
def demo_ctx(ctx):
    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def bulletin(demo_ctx, tmp_path) -> Path:
    result = generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "通报.pdf")
    return result.path


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(path).pages]


def flat(path: Path) -> str:
    """The whole document's text without line breaks or spaces, so wrapped sentences read whole."""
    return re.sub(r"\s+", "", "".join(page_texts(path)))


def _rows(ctx):
    plan = ledger.plan_view(ctx)
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def test_summary_counts_are_the_ledgers(demo_ctx, bulletin):
    measures = [t for t in _rows(demo_ctx) if t.kind == "measure"]
    text = flat(bulletin)
    summary = re.search(r"截至(\d+)月(\d+)日，(\d+)项举措（分解为(\d+)项具体任务）中，(.+?)；超期未完成(\d+)项。"
                        r"按红黄绿灯评价，亮红灯(\d+)项、黄灯(\d+)项、绿灯(\d+)项。", text)
    assert summary, "the opening summary is missing"
    month, day, total, items, statuses, overdue, red, yellow, green = summary.groups()
    assert (int(month), int(day)) == (TODAY.month, TODAY.day)
    assert int(total) == len(measures) == 33
    assert int(items) == sum(len(m.items) for m in measures)
    printed = {label: int(n) for label, n in re.findall(r"([^、]+?)(\d+)项", statuses)}
    expected = {"已完成": Status.COMPLETED, "正常推进": Status.ON_TRACK, "持续推进": Status.ONGOING,
                "进度滞后": Status.LAGGING, "未启动": Status.NOT_STARTED}
    for label, status in expected.items():
        assert printed.get(label, 0) == sum(1 for m in measures if m.status is status), label
    assert sum(printed.values()) == len(measures)
    assert int(overdue) == sum(1 for m in measures if m.deadline and m.deadline < TODAY
                               and m.status is not Status.COMPLETED)
    assert (int(red), int(yellow), int(green)) == tuple(sum(1 for m in measures if m.light is light)
                                                        for light in (Light.RED, Light.YELLOW, Light.GREEN))


def test_named_list_names_every_red_item_with_its_lead_and_days(demo_ctx, bulletin):
    text = flat(bulletin)
    section = text[text.index("三、点名通报"):text.index("四、各单位推进情况")]
    red = [t for t in _rows(demo_ctx) if t.light is Light.RED and not (t.rolled_up and t.items and not t.days_overdue)]
    assert red
    assert f"以下{len(red)}项举措或具体任务" in section
    for task in red:
        row = re.escape(task.code) + re.escape(chinese_punctuation(task.title)) + re.escape(task.lead)
        assert re.search(row, section), f"{task.code} is not named with {task.lead}"
        if task.days_overdue:
            assert f"{task.days_overdue}天" in section
    green = [t for t in _rows(demo_ctx) if t.light is Light.GREEN and t.kind == "measure"]
    for task in green:
        assert chinese_punctuation(task.title).replace(" ", "") not in section


def test_every_task_group_and_measure_is_printed(demo_ctx, bulletin):
    text = flat(bulletin)
    groups_part = text[text.index("五、分组推进情况"):text.index("六、下步工作要求")]
    plan = ledger.plan_view(demo_ctx)
    for group in plan.groups:
        title = chinese_punctuation(group.title)
        assert title in groups_part, title
        for measure in group.measures:
            assert f"{measure.code}{chinese_punctuation(measure.title)}" in groups_part
    appendix = text[text.rindex("附件"):]
    assert all(chinese_punctuation(m.title) in appendix for g in plan.groups for m in g.measures)


def test_masthead_issue_number_and_office_settings(demo_ctx, tmp_path):
    office_settings.set_value(demo_ctx, "report.office_name", "郑州市人民政府督查室")
    office_settings.set_value(demo_ctx, "report.send_to", "市委书记，市长，各位副市长")
    path = generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "a.pdf").path
    text = flat(path)
    year = TODAY.year
    assert text.startswith("—1—重点工作督查通报") or "重点工作督查通报" in text[:40]
    assert f"{year}年第1期郑州市人民政府督查室{year}年{TODAY.month}月{TODAY.day}日" in text
    assert "报送：市委书记，市长，各位副市长" in text
    assert text.rstrip().endswith("印发")


def test_pages_are_a4_numbered_and_every_font_embedded(bulletin):
    reader = pypdf.PdfReader(bulletin)
    assert len(reader.pages) >= 5
    for number, page in enumerate(reader.pages, start=1):
        assert (round(float(page.mediabox.width), 2), round(float(page.mediabox.height), 2)) == A4_POINTS
        assert f"— {number} —" in page.extract_text()
        fonts = page["/Resources"]["/Font"]
        for font in fonts.values():
            font = font.get_object()
            base = str(font["/BaseFont"])
            assert not any(name in base for name in BASE_14), base
            descriptor = font["/FontDescriptor"] if "/FontDescriptor" in font else \
                font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert NameObject("/FontFile2") in descriptor.get_object(), f"{base} is not embedded"
            assert re.match(r"/[A-Z]{6}\+", base), f"{base} is not a subset"


def test_no_line_starts_with_closing_punctuation(bulletin):
    for text in page_texts(bulletin):
        for line in text.splitlines():
            assert not line.strip()[:1] or line.strip()[0] not in CLOSING_MARKS, line


def test_same_inputs_give_the_same_bytes_and_the_archive_holds_their_hash(demo_ctx, tmp_path):
    first = generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "1.pdf")
    second = generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "2.pdf")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.title == second.title == f"督查通报 {TODAY.year}年第1期"
    entries = report_archive.archive(demo_ctx, ReportKind.BULLETIN)
    assert [e.file_name for e in entries] == [str(second.path), str(first.path)]
    assert all(e.sha256 == hashlib.sha256(first.path.read_bytes()).hexdigest() for e in entries)
    assert entries[0].pages == len(pypdf.PdfReader(first.path).pages)
    assert entries[0].period == str(Period(2025, 10))


def test_next_period_gets_the_next_number(demo_ctx, tmp_path):
    generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN, period=Period(2025, 9)), tmp_path / "9.pdf")
    october = generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN, period=Period(2025, 10)),
                              tmp_path / "10.pdf")
    assert october.title.endswith("第2期")
    assert "与上期（" in flat(october.path)


def test_a_missing_folder_is_refused_before_any_work(demo_ctx, tmp_path):
    with pytest.raises(ValidationError, match="不存在"):
        generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "没有这个文件夹" / "a.pdf")
    assert report_archive.archive(demo_ctx) == []


def test_a_full_disk_leaves_no_file_and_no_record(demo_ctx, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(official_document.os, "replace", disk_full)
    with pytest.raises(StorageError, match="无法写入"):
        generate_report(demo_ctx, ReportRequest(ReportKind.BULLETIN), tmp_path / "a.pdf")
    assert list(tmp_path.glob("*.pdf")) == [] and list(tmp_path.glob(".*.tmp")) == []
    assert report_archive.archive(demo_ctx) == []


@pytest.mark.usefixtures("demo_clerk")
def test_cli_writes_the_bulletin_and_lists_the_archive(tmp_path, capsys):
    db = str(tmp_path / "cli.sqlite3")
    assert main(["--db", db, "init", "--demo"]) == 0
    out = tmp_path / "通报.pdf"
    capsys.readouterr()
    assert main(["--db", db, "report", "bulletin", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "已生成督查通报" in printed and hashlib.sha256(out.read_bytes()).hexdigest() in printed
    assert main(["--db", db, "report", "archive"]) == 0
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize(("argv", "message"), [
    (["report", "bulletin", "--period", "2099-01"], "还没有到"),
    (["report", "bulletin", "--period", "2025-13"], "月份应在 1 到 12 之间"),
    (["report", "bulletin", "--period", "1999-01"], "年份不对"),
    (["report", "department", "--dept", "市不存在局"], "不在单位名录中"),
    (["report", "urge", "--dept", "市不存在局"], "不在单位名录中"),
])
@pytest.mark.usefixtures("demo_clerk")
def test_cli_refuses_bad_input_with_a_message_and_no_file(tmp_path, capsys, argv, message):
    db = str(tmp_path / "cli.sqlite3")
    assert main(["--db", db, "init", "--demo"]) == 0
    out = tmp_path / "r.pdf"
    capsys.readouterr()
    assert main(["--db", db, *argv, "--out", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()
