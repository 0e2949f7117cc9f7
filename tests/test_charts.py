"""The light charts shared by the dashboard and the bulletin: right bars, right numbers, Chinese that renders."""

import warnings
from dataclasses import replace
from pathlib import Path

import matplotlib
import pytest
from matplotlib import font_manager
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from zzdesk.domain.vocabulary import LIGHT_LABELS, Light
from zzdesk.fonts import BUNDLED_SANS_FAMILY, bundled_sans_font
from zzdesk.reports.chart_fonts import ensure_chart_font
from zzdesk.reports.charts import LIGHT_STYLES, group_label, light_split_chart, status_by_group_chart
from zzdesk.services import dashboard, demo
from zzdesk.services.dashboard import LIGHT_ORDER, DashboardData


@pytest.fixture
def data(ctx) -> DashboardData:
    demo.populate_demo(ctx)
    return dashboard.dashboard(ctx)


def _bars(figure: Figure) -> list[Rectangle]:
    return [p for p in figure.axes[0].patches if isinstance(p, Rectangle) and (p.get_gid() or "").startswith("bar:")]


def _texts(figure: Figure, gid: str) -> list[str]:
    return [t.get_text() for t in figure.axes[0].texts if t.get_gid() == gid]


def _font_file(text: Text) -> str:
    return font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)


def _save_everywhere(figure: Figure, folder: Path) -> list[Path]:
    """PNG and SVG, failing on any warning (a missing glyph is only a warning in matplotlib)."""
    paths = [folder / "chart.png", folder / "chart.svg"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for path in paths:
            figure.savefig(path)
    return paths


def test_group_chart_has_one_labelled_segment_per_group_and_light(data):
    figure = status_by_group_chart(data)
    expected = [(g.rows.light(light), light) for light in LIGHT_ORDER for g in data.groups if g.rows.light(light)]
    bars = _bars(figure)
    assert [(round(b.get_width()), b.get_gid()) for b in bars] == [(n, f"bar:{light.value}") for n, light in expected]
    assert sorted(_texts(figure, "count")) == sorted(str(n) for n, _ in expected)
    assert _texts(figure, "total") == [f"{g.rows.total}项" for g in data.groups]
    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[0] == "（一）着力扩需求稳增长" and len(labels) == 8
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [LIGHT_LABELS[light] for light in LIGHT_ORDER if data.rows.light(light)]
    assert {b.get_hatch() for b in bars if b.get_gid() == "bar:red"} == {LIGHT_STYLES[Light.RED].hatch}


def test_group_chart_can_count_measures_only_at_any_size(data):
    figure = status_by_group_chart(data, size=(6.1, 3.4), measures_only=True, title=None)
    assert tuple(figure.get_size_inches()) == pytest.approx((6.1, 3.4))
    assert sum(b.get_width() for b in _bars(figure)) == data.measures.total
    assert figure.get_suptitle() == ""
    assert figure.axes[0].get_xlabel() == "举措数（项）"


def test_light_split_chart_has_a_bar_and_a_share_for_every_light(data):
    figure = light_split_chart(data, size=(4, 3))
    bars = _bars(figure)
    assert [b.get_gid() for b in bars] == [f"bar:{light.value}" for light in LIGHT_ORDER]
    assert [round(b.get_width()) for b in bars] == [data.rows.light(light) for light in LIGHT_ORDER]
    red = data.rows.light(Light.RED)
    assert _texts(figure, "count")[0] == f"{red}项（{red * 100 / data.rows.total:.0f}%）"
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == [LIGHT_LABELS[light] for light in LIGHT_ORDER]
    assert figure.axes[0].get_xlabel() == f"合计{data.rows.total}项（举措及具体任务）"


def test_every_light_is_told_apart_without_colour():
    hatches = [style.hatch for light, style in LIGHT_STYLES.items() if light is not Light.GREEN]
    assert len(set(hatches)) == len(hatches) and all(hatches)  # green is the one plain fill


def test_charts_save_to_png_and_svg_with_the_cjk_font(data, tmp_path: Path):
    family = ensure_chart_font()
    for make in (status_by_group_chart, light_split_chart):
        figure = make(data)
        for path in _save_everywhere(figure, tmp_path):
            assert path.stat().st_size > 5_000
        label = figure.axes[0].get_yticklabels()[0]
        used = _font_file(label)
        assert font_manager.FontProperties(fname=used).get_name() == family
        assert all(FT2Font(used).get_char_index(ord(char)) for char in label.get_text())


def test_the_font_is_registered_once(data):
    family = ensure_chart_font()
    assert ensure_chart_font() == family
    status_by_group_chart(data)
    light_split_chart(data)
    assert matplotlib.rcParams["font.sans-serif"].count(family) == 1
    assert matplotlib.rcParams["font.sans-serif"][0] == family
    assert matplotlib.rcParams["axes.unicode_minus"] is False


def test_an_empty_ledger_draws_a_calm_placeholder(ctx, tmp_path: Path):
    empty = dashboard.dashboard(ctx)  # nothing assigned: every row is 未分配
    split = light_split_chart(empty)
    assert [round(b.get_width()) for b in _bars(split)] == [0, 0, 0, 0, empty.rows.total]
    groups = status_by_group_chart(empty)
    assert {b.get_gid() for b in _bars(groups)} == {"bar:none"}
    nothing = DashboardData(as_of=empty.as_of, due_soon_days=30, rows=dashboard.tally([]),
                            measures=dashboard.tally([]), groups=(), overdue=(), due_soon=(), departments=())
    for make in (status_by_group_chart, light_split_chart):
        figure = make(nothing)
        assert [t.get_text() for t in figure.axes[0].texts] == ["暂无数据"]
        _save_everywhere(figure, tmp_path)


def test_group_label_uses_chinese_numerals():
    assert group_label("1", "着力扩需求稳增长") == "（一）着力扩需求稳增长"
    assert group_label("12", "其他") == "（十二）其他"


def test_a_segment_too_narrow_for_its_number_is_left_to_the_total(data):
    wide = dashboard.tally([])
    crowded = replace(data.groups[0], rows=replace(wide, total=151, by_light={Light.RED: 1, Light.GREEN: 150}))
    figure = status_by_group_chart(replace(data, groups=(crowded,)), size=(6, 2.5))
    assert [round(b.get_width()) for b in _bars(figure)] == [1, 150]
    assert _texts(figure, "count") == ["150"]
    assert _texts(figure, "total") == ["151项"]


def test_the_bundled_ttc_font_itself_renders_chinese(tmp_path: Path):
    """Windows without 黑体/雅黑 falls back to the bundled .ttc: matplotlib must read it, not only a system copy."""
    path = str(bundled_sans_font())
    font_manager.fontManager.addfont(path)
    assert BUNDLED_SANS_FAMILY in {f.name for f in font_manager.fontManager.ttflist if f.fname == path}
    figure = Figure(figsize=(3, 1))
    figure.text(0.1, 0.5, "红黄绿灯 −12%", fontproperties=font_manager.FontProperties(fname=path))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figure.savefig(tmp_path / "bundled.png")
