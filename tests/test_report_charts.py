"""The bulletin's 按时率 and 近期推进情况 charts, and how charts go into the PDF: right numbers, readable in print."""

import io
import warnings
from itertools import combinations
from pathlib import Path

import pdfplumber
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from zzdesk.domain.dates import Period
from zzdesk.reports.charts import department_rank_chart, progress_history_chart, rate_percent, wrap_name
from zzdesk.reports.models import DepartmentRank, PeriodPoint
from zzdesk.reports.official_document import TEXT_WIDTH, build_official_pdf
from zzdesk.reports.pdf_figures import figure_flowable, figure_png, png_size

LONG_NAMES = ("郑州航空港经济综合实验区管委会", "郑州高新技术产业开发区管委会", "中国人民银行河南省分行",
              "市人力资源社会保障局")
SHORT_NAMES = ("市发展改革委", "市商务局", "市科技局", "市生态环境局", "市工业和信息化局", "市财政局", "市水利局",
               "市民政局", "市教育局", "市投资促进局", "市应急管理局", "市委组织部", "市城乡建设局", "市卫生健康委",
               "管城回族区", "郑东新区", "市农业农村局", "市委政法委", "市城市管理局", "市文化广电和旅游局", "二七区")


def _rank(name: str, led: int, on_time: int, missing: int = 0) -> DepartmentRank:
    return DepartmentRank(name, led, on_time, led - on_time, missing)


def _ranks(count: int) -> list[DepartmentRank]:
    """``count`` departments, long names among the lowest, sorted lowest rate first as the services hand them."""
    names = [*LONG_NAMES, *SHORT_NAMES][:count]
    ranks = [_rank(name, 6 + index % 7, (index * 5) % (7 + index % 7)) for index, name in enumerate(names)]
    return sorted(ranks, key=lambda rank: rank.rate)


JUNE = Period(2025, 6)


def _history(months: int, start: Period = JUNE) -> list[PeriodPoint]:
    """Monthly points climbing towards 90% over ``months``, progress a little behind 序时进度 as is typical."""
    step = min(8.0, 60 / months)
    return [PeriodPoint(period=start.shifted(index), measures=33, completed=index * 2 + 1, lagging=5 - index % 3,
                        average_progress=28.4 + step * index, average_expected=31.5 + step * 1.03 * index)
            for index in range(months)]


def _bars(figure: Figure, axes_index: int = 0) -> list[Rectangle]:
    return [p for p in figure.axes[axes_index].patches if (p.get_gid() or "").startswith("bar:")]


def _texts(figure: Figure, gid: str) -> list[Text]:
    return [t for axes in figure.axes for t in axes.texts if t.get_gid() == gid]


def _drawn(figure: Figure) -> FigureCanvasAgg:
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return canvas


def _extent(text: Text, canvas: FigureCanvasAgg) -> Bbox:
    return text.get_window_extent(canvas.get_renderer())


def _visible_texts(figure: Figure) -> list[Text]:
    """Every piece of text a reader sees: tick labels, bar and value labels, captions, title, legend."""
    texts = [t for axes in figure.axes for t in axes.texts]
    for axes in figure.axes:
        texts += [*axes.get_xticklabels(), *axes.get_yticklabels(), axes.xaxis.label]
    texts += [artist for artist in figure.get_children() if isinstance(artist, Text)]  # the title
    texts += [text for legend in figure.legends for text in legend.get_texts()]
    return [t for t in texts if t.get_visible() and t.get_text()]


def _assert_inside_and_apart(figure: Figure, texts: list[Text]) -> None:
    canvas = _drawn(figure)
    page = figure.bbox
    boxes = [(t.get_text(), _extent(t, canvas)) for t in texts]
    for text, box in boxes:
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, text
    for (first, a), (second, b) in combinations(boxes, 2):
        overlap_x = min(a.x1, b.x1) - max(a.x0, b.x0)
        overlap_y = min(a.y1, b.y1) - max(a.y0, b.y0)
        assert overlap_x <= 0.5 or overlap_y <= 0.5, (first, second)


# --- 按时率 ----------------------------------------------------------------------------------------------------------

def test_each_department_gets_a_bar_of_its_rate_labelled_with_its_counts():
    ranks = [_rank("市民政局", 8, 3), _rank("市发展改革委", 10, 8), _rank("市商务局", 4, 4)]
    figure = department_rank_chart(ranks)
    bars = _bars(figure)
    assert [b.get_width() for b in bars] == pytest.approx([37.5, 80, 100], abs=0.5)
    assert [t.get_text() for t in _texts(figure, "rate")] == ["38%（3/8）", "80%（8/10）", "100%（4/4）"]
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == ["市民政局", "市发展改革委", "市商务局"]
    # Below 60% is hatched, so it reads in black and white; the legend says what the hatch means.
    assert [b.get_gid() for b in bars] == ["bar:low", "bar:ok", "bar:ok"]
    assert bars[0].get_hatch() and not bars[1].get_hatch()
    assert [t.get_text() for t in figure.legends[0].get_texts()] == ["按时率低于60%", "60%及以上"]
    assert figure.get_suptitle() == "各牵头单位按时率"
    assert figure.axes[0].get_xlabel() == "共3个牵头单位，按时率由低到高排列"


def test_the_lowest_rate_is_drawn_at_the_top():
    figure = department_rank_chart([_rank("市民政局", 8, 1), _rank("市财政局", 8, 4), _rank("市商务局", 8, 8)])
    canvas = _drawn(figure)
    heights = [_extent(label, canvas).y0 for label in figure.axes[0].get_yticklabels()]
    assert heights == sorted(heights, reverse=True)  # first (lowest rate) highest on the page


def test_only_the_lowest_rates_are_shown_and_the_caption_says_so():
    ranks = _ranks(25)
    figure = department_rank_chart(ranks, limit=20)
    shown = [t.get_text().replace("\n", "") for t in figure.axes[0].get_yticklabels()]
    assert shown == [rank.name for rank in ranks[:20]]
    assert len(_bars(figure)) == 20
    assert max(b.get_width() for b in _bars(figure)) <= min(r.rate for r in ranks[20:]) * 100 + 0.5
    assert figure.axes[0].get_xlabel() == "共25个牵头单位，列出按时率最低的20个"
    assert department_rank_chart(ranks, limit=5).axes[0].get_xlabel() == "共25个牵头单位，列出按时率最低的5个"


def test_long_names_are_wrapped_whole_and_nothing_is_clipped_or_overlapping():
    ranks = _ranks(18)
    figure = department_rank_chart(ranks)
    labels = figure.axes[0].get_yticklabels()
    assert [t.get_text().replace("\n", "") for t in labels] == [rank.name for rank in ranks]
    airport = next(t.get_text() for t in labels if t.get_text().startswith("郑州航空港"))
    assert airport == "郑州航空港经济综合实验区\n管委会"
    _assert_inside_and_apart(figure, _visible_texts(figure))
    for label in _texts(figure, "rate"):  # every bar's label, even a full one's, stays right of its bar
        assert label.get_position()[0] > 0


def test_the_figure_grows_with_the_number_of_departments():
    few, many = department_rank_chart(_ranks(4)), department_rank_chart(_ranks(20))
    assert few.get_size_inches()[0] == many.get_size_inches()[0] == pytest.approx(6.1)
    assert many.get_size_inches()[1] > few.get_size_inches()[1] * 2
    assert tuple(department_rank_chart(_ranks(4), size=(5, 3)).get_size_inches()) == pytest.approx((5, 3))


def test_no_departments_draws_the_placeholder():
    for figure in (department_rank_chart([]), department_rank_chart(_ranks(3), limit=0)):
        assert [t.get_text() for t in figure.axes[0].texts] == ["暂无数据"]
        _drawn(figure)


def test_rates_round_half_up_but_never_up_to_a_full_score():
    assert rate_percent(1, 8) == 13
    assert rate_percent(199, 200) == 99  # 99.5% is not 100%: one item is still late
    assert rate_percent(10, 10) == 100
    assert rate_percent(0, 7) == 0


def test_wrapped_names_keep_every_character_and_break_at_a_part():
    for name in (*LONG_NAMES, "市委（市政府）督查室督查一科", "郑州市人民政府国有资产监督管理委员会办公室综合处"):
        wrapped = wrap_name(name)
        assert wrapped.replace("\n", "") == name
        assert all(len(line) <= 12 for line in wrapped.split("\n"))
        assert not any(line[0] in "，。、；：？！）》」" for line in wrapped.split("\n"))
    assert wrap_name("郑州高新技术产业开发区管委会") == "郑州高新技术产业开发区\n管委会"
    assert wrap_name("市发展改革委") == "市发展改革委"
    assert wrap_name("很" * 50).endswith("…") and wrap_name("很" * 50).count("\n") == 2


# --- 近期推进情况 -----------------------------------------------------------------------------------------------

def _lines(figure: Figure) -> dict[str, Line2D]:
    return {line.get_gid(): line for line in figure.axes[0].get_lines()}


def test_history_lines_carry_the_averages_and_differ_without_colour():
    history = _history(6)
    figure = progress_history_chart(history)
    lines = _lines(figure)
    assert list(lines["line:progress"].get_ydata()) == [p.average_progress for p in history]
    assert list(lines["line:expected"].get_ydata()) == [p.average_expected for p in history]
    progress, expected = lines["line:progress"], lines["line:expected"]
    assert progress.get_linestyle() != expected.get_linestyle() and progress.get_marker() != expected.get_marker()
    values = {(t.get_gid(), t.get_text()) for t in _texts(figure, "value:progress") + _texts(figure, "value:expected")}
    assert ("value:progress", "28%") in values and ("value:expected", "32%") in values  # 28.4 and 31.5
    assert len(values) == 12
    assert [round(b.get_height()) for b in _bars(figure, 1)] == [p.completed for p in history]
    assert [t.get_text() for t in _texts(figure, "completed")] == [f"{p.completed}项" for p in history]
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == ["平均进度", "平均序时进度", "已完成举措（项）"]
    assert figure.axes[0].get_ylim()[0] <= 0 and figure.axes[0].get_ylim()[1] >= 100


def test_months_are_short_and_the_year_shows_where_it_changes():
    figure = progress_history_chart(_history(6, start=Period(2025, 9)))
    labels = [t.get_text() for t in figure.axes[1].get_xticklabels()]
    assert labels == ["9月\n2025年", "10月", "11月", "12月", "1月\n2026年", "2月"]


@pytest.mark.parametrize("months", [6, 24])
def test_history_labels_never_collide(months):
    figure = progress_history_chart(_history(months))
    _assert_inside_and_apart(figure, _visible_texts(figure))
    shown = [t.get_text() for t in figure.axes[1].get_xticklabels() if t.get_text()]
    assert "年" in shown[0]


def test_close_values_are_written_on_either_side_of_their_points():
    point = PeriodPoint(Period(2025, 10), 33, 4, 6, average_progress=50.0, average_expected=51.0)
    figure = progress_history_chart([point, point])
    _assert_inside_and_apart(figure, _texts(figure, "value:progress") + _texts(figure, "value:expected"))


def test_one_month_or_none_still_gives_a_figure():
    single = progress_history_chart(_history(1))
    assert list(_lines(single)["line:progress"].get_ydata()) == [28.4]
    assert [t.get_text() for t in single.axes[1].get_xticklabels()] == ["6月\n2025年"]
    _assert_inside_and_apart(single, _visible_texts(single))
    empty = progress_history_chart([])
    assert [t.get_text() for t in empty.axes[0].texts] == ["暂无数据"]
    assert empty.get_suptitle() == "近期推进情况"


def test_new_charts_save_without_missing_glyphs(tmp_path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph is only a warning in matplotlib
        department_rank_chart(_ranks(18)).savefig(tmp_path / "rank.png")
        progress_history_chart(_history(6)).savefig(tmp_path / "history.png")


# --- charts in the PDF --------------------------------------------------------------------------------------------

def test_a_figure_renders_to_the_same_png_every_time():
    figure = progress_history_chart(_history(6), size=(6.1, 3.5))
    first = figure_png(figure, dpi=120)
    assert figure_png(figure, dpi=120) == first
    figure_png(figure, dpi=90)  # e.g. a preview at another resolution in between
    assert figure_png(figure, dpi=120) == first
    assert figure_png(progress_history_chart(_history(6), size=(6.1, 3.5)), dpi=120) == first
    assert png_size(first) == (round(6.1 * 120), round(3.5 * 120))
    assert b"matplotlib" not in first  # no software stamp


def test_the_flowable_keeps_the_aspect_ratio_and_the_figure_its_canvas():
    figure = department_rank_chart(_ranks(18))
    canvas = figure.canvas
    flowable = figure_flowable(figure, width=TEXT_WIDTH, dpi=100)
    width, height = figure.get_size_inches()
    assert flowable.drawWidth == pytest.approx(TEXT_WIDTH)
    assert flowable.drawHeight / flowable.drawWidth == pytest.approx(height / width, rel=0.01)
    assert figure.canvas is canvas  # a chart shown in the GUI stays attached to the GUI's canvas
    assert figure_flowable(figure, width=TEXT_WIDTH, dpi=100).wrap(TEXT_WIDTH, 1e6) == pytest.approx(
        (flowable.drawWidth, flowable.drawHeight))


def test_a_pdf_with_charts_is_byte_identical_when_made_twice():
    def make() -> bytes:
        out = io.BytesIO()
        build_official_pdf([figure_flowable(department_rank_chart(_ranks(8)), TEXT_WIDTH),
                            figure_flowable(progress_history_chart(_history(6)), TEXT_WIDTH)], out, title="督查通报")
        return out.getvalue()

    first = make()
    assert make() == first
    with pdfplumber.open(io.BytesIO(first)) as pdf:
        images = [image for page in pdf.pages for image in page.images]
    assert len(images) == 2
    for image in images:
        assert image["width"] == pytest.approx(TEXT_WIDTH, abs=0.5)
        assert image["srcsize"][0] / image["width"] >= 300 / 72 * 0.99  # print resolution: 300 dpi
