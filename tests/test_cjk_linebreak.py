"""Chinese line breaking in the bulletin: no line starts with a closing mark or ends with an opening one.

The text is measure 4.1 of the real plan, set as the bulletin sets its body: 仿宋 3号 (16 pt) in the GB/T 9704 text
block 156 mm wide. The plan uses ASCII punctuation, so its full-width form (how clerks type) is checked as well.
"""

import pytest
from reportlab.lib import textsplit
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, paragraph

from conftest import SEED_PLAN
from zzdesk.domain.plan_parser import parse_plan
from zzdesk.reports.cjk_linebreak import (
    CANNOT_END,
    CANNOT_START,
    REPORTLAB_RULES,
    install_cjk_line_rules,
    line_end,
)
from zzdesk.reports.pdf_fonts import FANGSONG, register_pdf_fonts

TEXT_WIDTH = 156 * mm
MEASURE = parse_plan(SEED_PLAN.read_text(encoding="utf-8")).groups[3].measures[0].text
FULL_WIDTH = MEASURE.translate(str.maketrans(",;:()?!", "，；：（）？！"))
NARROW_TO_FULL = [width / 2 for width in range(200, int(TEXT_WIDTH * 2) + 1)]  # every half point, 100 pt .. 156 mm


@pytest.fixture(scope="module", autouse=True)
def _rules() -> None:
    register_pdf_fonts()
    install_cjk_line_rules()


@pytest.fixture
def reportlab_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """reportlab exactly as shipped, for the duration of one test."""
    for module in (textsplit, paragraph):
        monkeypatch.setattr(module, "ALL_CANNOT_START", REPORTLAB_RULES.cannot_start)
    monkeypatch.setattr(textsplit, "ALL_CANNOT_END", REPORTLAB_RULES.cannot_end)
    monkeypatch.setattr(textsplit, "dumbSplit", REPORTLAB_RULES.dumb_split)
    monkeypatch.setattr(paragraph, "cjkFragSplit", REPORTLAB_RULES.cjk_frag_split)


def wrapped_lines(text: str, width: float) -> list[str]:
    """The lines reportlab sets ``text`` in, as a body paragraph of the bulletin ``width`` points wide."""
    style = ParagraphStyle("body", fontName=FANGSONG, fontSize=16, leading=28, wordWrap="CJK")
    para = Paragraph(text, style)
    para.wrap(width, 10_000)
    if para.blPara.kind == 0:  # one font throughout: (extra space, [text]) per line
        return ["".join(line[1]) for line in para.blPara.lines]
    return ["".join(frag.text for frag in line.words) for line in para.blPara.lines]


def bad_starts(lines: list[str]) -> list[str]:
    return [line for line in lines if line and line[0] in CANNOT_START + REPORTLAB_RULES.cannot_start]


def bad_ends(lines: list[str]) -> list[str]:
    return [line for line in lines[:-1] if line and line[-1] in CANNOT_END]


@pytest.mark.parametrize("text", [MEASURE, FULL_WIDTH, FULL_WIDTH.replace("产业", "<b>产业</b>")],
                         ids=["plan-ascii", "full-width", "with-markup"])
def test_at_the_gbt9704_text_width_no_line_starts_with_a_closing_mark(text):
    lines = wrapped_lines(text, TEXT_WIDTH)
    assert len(lines) >= 15
    assert "".join(lines) == text.replace("<b>", "").replace("</b>", "")  # nothing lost or doubled
    assert bad_starts(lines) == []
    assert bad_ends(lines) == []


@pytest.mark.parametrize("text", [MEASURE, FULL_WIDTH, FULL_WIDTH.replace("产业", "<b>产业</b>")],
                         ids=["plan-ascii", "full-width", "with-markup"])
def test_no_column_width_down_to_100pt_starts_a_line_with_a_closing_mark(text):
    for width in NARROW_TO_FULL:
        lines = wrapped_lines(text, width)
        assert (width, bad_starts(lines), bad_ends(lines)) == (width, [], [])


def _widths_with_bad_starts(text: str) -> dict[float, list[str]]:
    found = {}
    for width in NARROW_TO_FULL:
        bad = bad_starts(wrapped_lines(text, width))
        if bad:
            found[width] = bad
    return found


def test_reportlab_alone_starts_lines_with_chinese_commas_and_the_rules_fix_those_widths(reportlab_defaults,
                                                                                       monkeypatch):
    broken = _widths_with_bad_starts(FULL_WIDTH)
    comma_widths = [width for width, lines in broken.items() if any(line.startswith("，") for line in lines)]
    assert comma_widths, "reportlab as shipped no longer lets a line start with ，"

    monkeypatch.undo()  # the rules again
    for width in broken:
        assert bad_starts(wrapped_lines(FULL_WIDTH, width)) == []


def test_a_longer_punctuation_set_alone_is_not_enough_for_runs_like_closing_quote_semicolon(reportlab_defaults,
                                                                                           monkeypatch):
    """reportlab hangs only the overflowing mark: in 「之城”；」 the ； would then start the next line."""
    longer = REPORTLAB_RULES.cannot_start + CANNOT_START
    for module in (textsplit, paragraph):
        monkeypatch.setattr(module, "ALL_CANNOT_START", longer)
    broken = _widths_with_bad_starts(FULL_WIDTH)
    assert broken
    assert {line[0] for lines in broken.values() for line in lines} == {"；"}
    assert "打造“智造之城”；" in FULL_WIDTH


@pytest.mark.parametrize(("text", "start", "overflow", "expected_line"), [
    ("产业集群，打造", 0, 4, "产业集群，"),  # one closing mark hangs in the margin
    ("智造之城”；推动", 0, 4, "智造之"),  # two cannot hang: the last character goes down with them
    ("建设，打造“智造", 0, 6, "建设，打造"),  # an opening quote goes down with its word
    ("发展滞后……。下", 0, 4, "发展滞"),  # …… is never cut, nor its following 。
    ("全市高新技术企业总数达到5189家", 0, 14, "全市高新技术企业总数达到"),  # numbers stay whole (reportlab's rule)
    ("，，，，", 0, 1, "，，"),  # nowhere legal to break: reportlab's behaviour, and progress
    ("产业", 0, 0, "产"),  # a character wider than the line still moves on
])
def test_line_end_chooses_a_legal_break(text, start, overflow, expected_line):
    assert text[start:line_end(text, start, overflow)] == expected_line


@pytest.mark.parametrize("markup", ["{}", "<b>{}</b>", "{}<br/>"], ids=["plain", "bold", "line-break"])
def test_text_with_no_marks_to_keep_apart_breaks_exactly_where_reportlab_breaks(markup, monkeypatch):
    words = "".join(ch for ch in MEASURE if "\u4e00" <= ch <= "\u9fff")[:300]
    text = words[:120] + " ReportLab 2025 abcdefghij " + markup.format(words[120:200]) + words[200:]
    widths = range(100, 450, 7)
    ours = [wrapped_lines(text, width) for width in widths]
    monkeypatch.setattr(textsplit, "dumbSplit", REPORTLAB_RULES.dumb_split)
    monkeypatch.setattr(paragraph, "cjkFragSplit", REPORTLAB_RULES.cjk_frag_split)
    assert ours == [wrapped_lines(text, width) for width in widths]


def test_install_is_idempotent_and_keeps_reportlab_entries():
    assert install_cjk_line_rules() is True
    once = (textsplit.ALL_CANNOT_START, textsplit.ALL_CANNOT_END, textsplit.CANNOT_START_LINE[0])
    assert install_cjk_line_rules() is True
    assert (textsplit.ALL_CANNOT_START, textsplit.ALL_CANNOT_END, textsplit.CANNOT_START_LINE[0]) == once
    assert paragraph.ALL_CANNOT_START == textsplit.ALL_CANNOT_START  # the copy paragraph.py imported by value
    assert set(REPORTLAB_RULES.cannot_start + CANNOT_START) == set(textsplit.ALL_CANNOT_START)
    assert set(REPORTLAB_RULES.cannot_end + CANNOT_END) == set(textsplit.ALL_CANNOT_END)
    assert textsplit.ALL_CANNOT_START.startswith(REPORTLAB_RULES.cannot_start)
    assert textsplit.dumbSplit is not REPORTLAB_RULES.dumb_split
    assert paragraph.cjkFragSplit is not REPORTLAB_RULES.cjk_frag_split
