"""The 公文 page: A4, GB/T 9704 margins, page numbers on the right side, fonts embedded, same input same bytes."""

import io
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph

from zzdesk.domain.errors import StorageError
from zzdesk.reports.official_document import (
    BODY_LEADING,
    LEFT_MARGIN,
    TEXT_HEIGHT,
    build_official_pdf,
    official_styles,
)

PLAN = Path(__file__).resolve().parents[1] / "resources" / "plan" / "zhengzhou-14th-fyp-midterm-review.txt"
BASE_14 = ("Courier", "Helvetica", "Times", "Symbol", "ZapfDingbats")


def section_three() -> list[str]:
    """The plan's section 三 (key measures), paragraph by paragraph, as a report would quote it."""
    lines = [line.strip() for line in PLAN.read_text(encoding="utf-8").splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith("三、"))
    return [line for line in lines[start:] if line and not line.startswith("主办单位")]


def plan_flowables(pages: int) -> list:
    """A title, then section 三 cut off so that the document fills exactly ``pages`` pages."""
    styles = official_styles()
    heading, *paragraphs = section_three()
    flowables = [Paragraph("郑州市“十四五”规划重点任务督查通报", styles.title),
                 Paragraph("第 1 期", styles.subtitle),
                 Paragraph(heading, styles.heading1)]
    for text in paragraphs:
        style = styles.heading2 if text.startswith("(") else styles.body
        flowables.append(Paragraph(text, style))
    # Each plan paragraph is long; trimming the text keeps the page count predictable.
    text = "".join(paragraphs)
    chars_per_page = 27 * 22
    flowables[3:] = [Paragraph(text[: int(chars_per_page * (pages - 0.5))], styles.body)]
    return flowables


def build(path: Path, pages: int = 3) -> bytes:
    build_official_pdf(plan_flowables(pages), path, title="督查通报", author="市政府督查室", subject="十四五")
    return path.read_bytes()


def words(pdf: Path) -> list[tuple[int, float, float, float, float, str]]:
    """(page, xMin, yMin, xMax, yMax, word) from ``pdftotext -bbox``; y measured from the top of the page."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    result = []
    for page, body in enumerate(html.split("<page ")[1:], start=1):
        for match in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                                 body):
            x0, y0, x1, y1 = (float(v) for v in match.groups()[:4])
            result.append((page, x0, y0, x1, y1, unescape(match.group(5))))
    return result


class Broken(Flowable):
    """A flowable whose layout fails, as a bug in a report section would."""

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        raise RuntimeError("layout failed")


@pytest.fixture
def three_pages(tmp_path: Path) -> Path:
    path = tmp_path / "通报.pdf"
    build(path)
    return path


def test_page_is_a4(three_pages: Path) -> None:
    boxes = set(re.findall(rb"/MediaBox \[([^\]]*)\]", three_pages.read_bytes()))
    assert len(boxes) == 1
    width, height = (float(v) for v in boxes.pop().split()[2:])
    assert width == pytest.approx(595.2756, abs=0.01)
    assert height == pytest.approx(841.8898, abs=0.01)


def test_page_numbers_odd_right_even_left(three_pages: Path) -> None:
    info = subprocess.run(["pdfinfo", str(three_pages)], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Pages:\s+3$", info, re.M)
    text = subprocess.run(["pdftotext", "-layout", str(three_pages), "-"], check=True, capture_output=True,
                          text=True).stdout
    for number in (1, 2, 3):
        assert f"— {number} —" in text
    centre = 595.2756 / 2
    for page in (1, 2, 3):
        numbers = [w for w in words(three_pages) if w[0] == page and w[5] == str(page)]
        # the page number is the lowest word on the page; its dashes 7 mm below the text block
        lowest = max((w for w in words(three_pages) if w[0] == page), key=lambda w: w[4])
        number = max(numbers, key=lambda w: w[4])
        assert number[4] == pytest.approx(lowest[4], abs=1)
        assert number[2] > (37 + 225) * mm + 10  # clear of the text block
        assert (number[2] + number[4]) / 2 == pytest.approx((37 + 225 + 7) * mm, abs=2 * mm)
        if page % 2:
            assert number[1] > centre
        else:
            assert number[3] < centre


def test_fonts_embedded_none_base14(three_pages: Path) -> None:
    data = three_pages.read_bytes()
    assert b"/FontFile2" in data
    for name in BASE_14:
        assert f"/BaseFont /{name}".encode() not in data
    report = subprocess.run(["pdffonts", str(three_pages)], check=True, capture_output=True, text=True).stdout
    rows = report.splitlines()[2:]
    assert rows
    for row in rows:
        name, *_, emb, _sub, _uni, _obj, _gen = row.split()
        assert emb == "yes", row
        assert not name.split("+")[-1].startswith(BASE_14), row


def test_same_input_same_bytes(tmp_path: Path) -> None:
    first = build(tmp_path / "a.pdf")
    second = build(tmp_path / "b.pdf")
    stream = io.BytesIO()
    build_official_pdf(plan_flowables(3), stream, title="督查通报", author="市政府督查室", subject="十四五")
    assert first == second == stream.getvalue()
    assert b"/Creator (zzdesk)" in first
    info = subprocess.run(["pdfinfo", str(tmp_path / "a.pdf")], check=True, capture_output=True, text=True).stdout
    assert re.search(r"^Title:\s+督查通报$", info, re.M)
    assert re.search(r"^Author:\s+市政府督查室$", info, re.M)


def test_text_block_left_edge_and_22_lines(three_pages: Path) -> None:
    page_one = [w for w in words(three_pages) if w[0] == 1]
    heading = next(w for w in page_one if w[5].startswith("三、"))
    first_body = next(w for w in page_one if w[5].startswith("总体考虑"))
    continuation = page_one[page_one.index(first_body) + 1]
    assert continuation[1] == pytest.approx(28 * mm, abs=1 * mm) == LEFT_MARGIN
    # 一、 headings and paragraphs start two characters in
    assert heading[1] == pytest.approx(28 * mm + 32, abs=1 * mm)
    assert first_body[1] == pytest.approx(28 * mm + 32, abs=1 * mm)
    assert max(w[3] for w in page_one) <= (28 + 156) * mm + 16  # a hanging closing mark at most
    # a full page of body text holds 22 lines of 三号 text
    page_two = sorted({round(w[4]) for w in words(three_pages) if w[0] == 2 and w[5] not in ("—", "2")})
    assert len(page_two) == 22
    assert page_two[0] > 37 * mm and page_two[-1] < (37 * mm + TEXT_HEIGHT) + 1
    assert BODY_LEADING * 22 <= TEXT_HEIGHT


@pytest.mark.parametrize("where", ["missing", "file_as_folder"])
def test_unwritable_destination_raises_storage_error(tmp_path: Path, where: str) -> None:
    if where == "missing":
        folder = tmp_path / "不存在"
    else:
        folder = tmp_path / "plain.txt"
        folder.write_text("x", encoding="utf-8")
    target = folder / "通报.pdf"
    with pytest.raises(StorageError) as raised:
        build_official_pdf(plan_flowables(1), target, title="督查通报")
    assert "无法写入" in raised.value.message and "请换一个位置" in raised.value.message
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if where == "missing" else ["plain.txt"])


def test_existing_report_replaced_only_when_complete(tmp_path: Path) -> None:
    target = tmp_path / "通报.pdf"
    target.write_bytes(b"old report")
    with pytest.raises(RuntimeError):
        build_official_pdf([*plan_flowables(1), Broken()], target, title="督查通报")
    assert target.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir()] == ["通报.pdf"]
    build_official_pdf(plan_flowables(1), target, title="督查通报")
    assert target.read_bytes().startswith(b"%PDF-")
