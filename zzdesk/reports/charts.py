"""Charts of the lights, built as matplotlib ``Figure`` objects: the dashboard embeds them, the bulletin prints them.

No pyplot and no Qt. Leaders read the bulletin in black and white, so every light has a hatch pattern as well as
a colour, every line its own dash and marker, and every bar carries its number.
"""

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator, PercentFormatter

from zzdesk.domain.dates import Period
from zzdesk.domain.plan_parser import numeral_text
from zzdesk.domain.vocabulary import LIGHT_LABELS, Light
from zzdesk.reports.chart_fonts import ensure_chart_font
from zzdesk.reports.light_styles import LIGHT_STYLES
from zzdesk.reports.models import DepartmentRank, PeriodPoint

if TYPE_CHECKING:  # reports sit below services: only the shape of the numbers is shared
    from zzdesk.services.dashboard import DashboardData, Tally

LIGHT_ORDER = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.NONE)
Size = tuple[float, float]
X_MARGIN = 1.12  # room right of the longest bar for its total


HATCH_COLOR = "#1a1a1a"
TEXT_COLOR = "#222222"
MUTED_COLOR = "#555555"
LABEL_BOX = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
GROUP_LABEL_INCHES = 2.3  # room the task-group names take left of the bars
DIGIT_INCHES = 0.075  # one digit at the label size, plus the label box's padding below
LABEL_PAD_INCHES = 0.12


def group_label(code: str, short_title: str) -> str:
    """「（一）着力扩需求稳增长」, the way the plan names its task groups."""
    numeral = numeral_text(int(code)) if code.isdigit() and int(code) > 0 else code
    return f"（{numeral}）{short_title}"


def _tally(data: "DashboardData", measures_only: bool) -> "Tally":
    return data.measures if measures_only else data.rows


def _new_figure(size: Size, title: str | None) -> tuple[Figure, Axes]:
    ensure_chart_font()
    figure = Figure(figsize=size, layout="constrained")
    if title:
        figure.suptitle(title, x=0.02, ha="left", fontsize=11, color=TEXT_COLOR)
    axes = figure.add_subplot()
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.tick_params(colors=TEXT_COLOR, labelsize=9)
    return figure, axes


def _bar_style(light: Light) -> dict[str, object]:
    style = LIGHT_STYLES[light]
    return {"facecolor": style.color, "hatch": style.hatch, "hatchcolor": HATCH_COLOR, "hatch_linewidth": 0.6,
            "edgecolor": "white", "linewidth": 0.8}


def _label_fits(count: int, segment_inches: float) -> bool:
    """A number goes inside its segment only if it fits there; the bar's total is always written at its end."""
    return segment_inches >= len(str(count)) * DIGIT_INCHES + LABEL_PAD_INCHES


def _show_empty(figure: Figure, axes: Axes) -> Figure:
    axes.set_axis_off()
    axes.text(0.5, 0.5, "暂无数据", transform=axes.transAxes, ha="center", va="center", fontsize=11,
              color=MUTED_COLOR)
    return figure


def status_by_group_chart(data: "DashboardData", size: Size = (7.0, 3.8), measures_only: bool = False,
                          title: str | None = "各任务组红黄绿灯分布") -> Figure:
    """Stacked horizontal bars, one per task group, one segment per light, each segment labelled with its count."""
    figure, axes = _new_figure(size, title)
    groups = data.groups
    tallies = [g.measures if measures_only else g.rows for g in groups]
    widest = max((t.total for t in tallies), default=0)
    if widest == 0:
        return _show_empty(figure, axes)
    rows = range(len(groups))
    lefts = [0] * len(groups)
    shown: list[Light] = []
    for light in LIGHT_ORDER:
        counts = [t.light(light) for t in tallies]
        if not any(counts):
            continue
        shown.append(light)
        for row, count in zip(rows, counts, strict=True):
            if not count:
                continue
            axes.barh(row, count, left=lefts[row], height=0.62, gid=f"bar:{light.value}", **_bar_style(light))
            if _label_fits(count, count / (widest * X_MARGIN) * (size[0] - GROUP_LABEL_INCHES)):
                axes.text(lefts[row] + count / 2, row, str(count), ha="center", va="center", fontsize=8.5,
                          color=TEXT_COLOR, bbox=LABEL_BOX, gid="count")
            lefts[row] += count
    for row, tally in zip(rows, tallies, strict=True):
        axes.text(tally.total + widest * 0.015, row, f"{tally.total}项", ha="left", va="center", fontsize=8.5,
                  color=MUTED_COLOR, gid="total")
    axes.set_yticks(list(rows), [group_label(g.code, g.short_title) for g in groups])
    axes.invert_yaxis()
    axes.set_xlim(0, widest * X_MARGIN)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("举措数（项）" if measures_only else "举措及具体任务数（项）", fontsize=9, color=MUTED_COLOR)
    figure.legend(handles=[Patch(label=LIGHT_LABELS[light], **_bar_style(light)) for light in shown],
                  loc="outside upper right", ncols=len(shown), frameon=False, fontsize=8.5, handlelength=1.8)
    return figure


def light_split_chart(data: "DashboardData", size: Size = (4.6, 3.8), measures_only: bool = False,
                      title: str | None = "红黄绿灯总体情况") -> Figure:
    """One bar per light (all five, so a zero reads as good news), labelled with its count and share."""
    figure, axes = _new_figure(size, title)
    tally = _tally(data, measures_only)
    if tally.total == 0:
        return _show_empty(figure, axes)
    counts = [tally.light(light) for light in LIGHT_ORDER]
    widest = max(counts)
    for row, (light, count) in enumerate(zip(LIGHT_ORDER, counts, strict=True)):
        axes.barh(row, count, height=0.6, gid=f"bar:{light.value}", **_bar_style(light))
        share = count * 100 / tally.total
        axes.text(count + widest * 0.03, row, f"{count}项（{share:.0f}%）", ha="left", va="center", fontsize=9,
                  color=TEXT_COLOR, gid="count")
    axes.set_yticks(range(len(LIGHT_ORDER)), [LIGHT_LABELS[light] for light in LIGHT_ORDER])
    axes.invert_yaxis()
    axes.set_xlim(0, widest * 1.45)
    axes.spines["bottom"].set_visible(False)
    axes.tick_params(axis="x", bottom=False, labelbottom=False)
    caption = f"合计{tally.total}项举措" if measures_only else f"合计{tally.total}项（举措及具体任务）"
    axes.set_xlabel(caption, fontsize=9, color=MUTED_COLOR)
    return figure


# --- 各牵头单位按时率 ---------------------------------------------------------------------------------------------

LOW_RATE_PERCENT = 60  # below this a department's bar is hatched: the bulletin names it as lagging
RATE_STYLES = {  # low: the red light's colour and hatch, so "behind" looks the same in every chart
    True: {"facecolor": LIGHT_STYLES[Light.RED].color, "hatch": LIGHT_STYLES[Light.RED].hatch},
    False: {"facecolor": "#9aa5b1", "hatch": ""},
}
NAME_LINE_CHARS = 12  # a department name longer than this wraps; nearly all (市人力资源社会保障局) fit
NAME_MAX_LINES = 3
TICK_SIZE = 8.5
RATE_LABEL_SIZE = 8.5
ROW_MIN_INCHES = 0.22  # between bar centres when no name wraps
LINE_INCHES = TICK_SIZE * 1.2 / 72
ROW_GAP_INCHES = 0.05  # between two neighbouring wrapped names
RANK_FIXED_INCHES = 1.0  # title and legend above, percentage axis and caption below
RANK_WIDTH = 6.1


def _em_width(text: str) -> float:
    """Width in ems: CJK and full-width forms are one em, Latin letters and digits about 0.6."""
    return sum(1.0 if ord(char) > 0x2E80 else 0.6 for char in text)


def _text_inches(text: str, points: float) -> float:
    return max((_em_width(line) for line in text.split("\n")), default=0.0) * points / 72


NO_LINE_START = set("，。、；：？！）》」』】”’")
NO_LINE_END = set("（《「『【“‘")
NAME_BREAK_AFTER = set("区县市省局委办厅行部院室")  # where a name's parts end: 实验区|管委会


def _can_cut(text: str, cut: int) -> bool:
    return 0 < cut < len(text) and text[cut] not in NO_LINE_START and text[cut - 1] not in NO_LINE_END


def _name_cut(name: str, width: int) -> int:
    """Where to break a name into two lines: after a part's last character (「…实验区」|「管委会」) when both lines fit
    and the first keeps at least half, otherwise in the middle."""
    for cut in range(min(width, len(name) - 2), math.ceil(len(name) / 2) - 1, -1):
        if name[cut - 1] in NAME_BREAK_AFTER and _can_cut(name, cut):
            return cut
    cut = math.ceil(len(name) / 2)
    while cut > 1 and not _can_cut(name, cut):
        cut -= 1
    return cut


def wrap_name(name: str, width: int = NAME_LINE_CHARS, max_lines: int = NAME_MAX_LINES) -> str:
    """Split a long department name into lines of at most ``width`` characters, at the end of one of its parts
    where possible (「郑州航空港经济综合实验区\n管委会」), never starting a line with closing punctuation; beyond
    ``max_lines`` it is cut short with「…」."""
    name = name.strip()
    if len(name) <= width:
        return name
    if len(name) > width * max_lines:
        name = name[: width * max_lines - 1] + "…"
    if len(name) <= 2 * width:
        cut = _name_cut(name, width)
        return f"{name[:cut]}\n{name[cut:]}"
    lines: list[str] = []
    rest = name
    for count in range(math.ceil(len(name) / width), 1, -1):  # longer names: balanced lines
        cut = math.ceil(len(rest) / count)
        while cut > 1 and not _can_cut(rest, cut):
            cut -= 1
        lines.append(rest[:cut])
        rest = rest[cut:]
    return "\n".join([*lines, rest])


def rate_percent(on_time: int, led: int) -> int:
    """按时率 as a whole percentage, rounded half up; 100% only when every led item is on time."""
    if not led:
        return 100
    percent = (on_time * 200 + led) // (2 * led)
    return min(percent, 99) if on_time < led else percent


def rate_label(rank: DepartmentRank) -> str:
    """「80%（8/10）」: the rate with the counts it comes from, as the bar's label."""
    if not rank.led:
        return "无牵头事项"
    return f"{rate_percent(rank.on_time, rank.led)}%（{rank.on_time}/{rank.led}）"


def rank_caption(total: int, shown: int) -> str:
    if shown < total:
        return f"共{total}个牵头单位，列出按时率最低的{shown}个"
    return f"共{total}个牵头单位，按时率由低到高排列"


def _row_pitch(names: Sequence[str]) -> float:
    """Inches between bar centres, wide enough that no two neighbouring (wrapped) names touch."""
    lines = [name.count("\n") + 1 for name in names]
    needed = [(a + b) / 2 * LINE_INCHES + ROW_GAP_INCHES for a, b in pairwise(lines)]
    return max([ROW_MIN_INCHES, *needed])


def _rate_style(low: bool) -> dict[str, object]:
    return {**RATE_STYLES[low], "hatchcolor": HATCH_COLOR, "hatch_linewidth": 0.6, "edgecolor": "white",
            "linewidth": 0.8}


def department_rank_chart(departments: Sequence[DepartmentRank], size: tuple[float, float | None] = (RANK_WIDTH, None),
                          limit: int = 20, title: str | None = "各牵头单位按时率") -> Figure:
    """One bar per lead department, lowest 按时率 at the top, labelled「80%（8/10）」.

    Only the ``limit`` lowest are drawn (the caption says how many there are); a height of ``None`` grows the
    figure with the number of bars, so wrapped names never crowd each other."""
    ranked = sorted(departments, key=lambda rank: rank.rate)[: max(limit, 0)]  # stable: keeps the caller's ties
    names = [wrap_name(rank.name) for rank in ranked]
    width, height = size
    if height is None:
        height = RANK_FIXED_INCHES + max(len(ranked), 2) * _row_pitch(names)
    figure, axes = _new_figure((width, height), title)
    if not ranked:
        return _show_empty(figure, axes)
    labels = [rate_label(rank) for rank in ranked]
    rows = range(len(ranked))
    for row, rank, label in zip(rows, ranked, labels, strict=True):
        percent = rate_percent(rank.on_time, rank.led) if rank.led else 0
        low = bool(rank.led) and percent < LOW_RATE_PERCENT
        axes.barh(row, percent, height=0.62, gid="bar:low" if low else "bar:ok", **_rate_style(low))
        axes.text(percent + 1.5, row, label, ha="left", va="center", fontsize=RATE_LABEL_SIZE, color=TEXT_COLOR,
                  bbox={**LABEL_BOX, "alpha": 1.0}, gid="rate")  # opaque: the 60% line passes behind
    axes.axvline(LOW_RATE_PERCENT, color=MUTED_COLOR, linewidth=0.8, linestyle=(0, (4, 3)), zorder=0.5,
                 gid="threshold")
    axes.set_yticks(list(rows), names, fontsize=TICK_SIZE)
    axes.set_ylim(len(ranked) - 0.5, -0.5)  # lowest rate on top
    axes.tick_params(axis="y", length=0)
    for tick in axes.get_yticklabels():
        tick.set_linespacing(1.05)
    name_inches = max(_text_inches(name, TICK_SIZE) for name in names) + 0.2
    label_inches = max(_text_inches(label, RATE_LABEL_SIZE) for label in labels) + 0.15
    axes_inches = max(width - name_inches - 0.25, 1.0)
    axes.set_xlim(0, 100 * axes_inches / max(axes_inches - label_inches, axes_inches / 3))
    axes.xaxis.set_major_locator(FixedLocator(range(0, 101, 20)))
    axes.xaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    axes.spines["bottom"].set_bounds(0, 100)
    axes.set_xlabel(rank_caption(len(departments), len(ranked)), fontsize=9, color=MUTED_COLOR)
    axes.xaxis.label.set_gid("caption")
    figure.legend(handles=[Patch(label=f"按时率低于{LOW_RATE_PERCENT}%", **_rate_style(True)),
                           Patch(label=f"{LOW_RATE_PERCENT}%及以上", **_rate_style(False))],
                  loc="outside upper right", ncols=2, frameon=False, fontsize=8.5, handlelength=1.8)
    return figure


# --- 近期推进情况 -------------------------------------------------------------------------------------------------

PROGRESS_STYLE = {"color": "#1f3a5f", "linestyle": "-", "linewidth": 1.8, "marker": "o", "markersize": 5,
                  "markerfacecolor": "#1f3a5f", "markeredgecolor": "#1f3a5f"}
EXPECTED_STYLE = {"color": "#6b6b6b", "linestyle": (0, (4, 2)), "linewidth": 1.4, "marker": "s", "markersize": 4.5,
                  "markerfacecolor": "white", "markeredgecolor": "#6b6b6b", "markeredgewidth": 1.2}
COMPLETED_STYLE = {"facecolor": "#e3e3e3", "edgecolor": "#6b6b6b", "linewidth": 0.7}
VALUE_SIZE = 8
VALUE_OFFSET_POINTS = 5.5  # clears the marker and the label box's padding
MONTH_LABEL_INCHES = 0.45  # room one month's tick label needs
VALUE_LABEL_INCHES = 0.42  # room one「100%」value label needs, with its box


def month_labels(periods: Sequence[Period]) -> list[str]:
    """「10月」, with the year under the first month and wherever the year changes:「10月\\n2025年」."""
    labels = []
    for index, period in enumerate(periods):
        year_changed = index == 0 or period.year != periods[index - 1].year
        labels.append(f"{period.month}月\n{period.year}年" if year_changed else f"{period.month}月")
    return labels


def _every(count: int, slot_inches: float, needed_inches: float) -> list[int]:
    """Which of ``count`` evenly spaced labels to draw so that none collide; the last one always is."""
    step = max(1, math.ceil(needed_inches / max(slot_inches, 1e-6)))
    return sorted(range(count - 1, -1, -step))


def _whole(value: float) -> int:
    return math.floor(value + 0.5)


def _label_values(axes: Axes, progress: list[float], expected: list[float], shown: list[int]) -> None:
    """At each shown month the higher value is written above its point and the lower one below, so the two
    labels of a month never meet however close the lines run."""
    for x in shown:
        pair = sorted((("progress", progress[x]), ("expected", expected[x])), key=lambda item: -item[1])
        for (kind, value), offset, align in zip(pair, (VALUE_OFFSET_POINTS, -VALUE_OFFSET_POINTS), ("bottom", "top"),
                                                strict=True):
            axes.annotate(f"{_whole(value)}%", (x, value), xytext=(0, offset), textcoords="offset points",
                          ha="center", va=align, fontsize=VALUE_SIZE, color=TEXT_COLOR, bbox=LABEL_BOX,
                          gid=f"value:{kind}", annotation_clip=False)


def progress_history_chart(history: Sequence[PeriodPoint], size: Size = (6.1, 3.2),
                           title: str | None = "近期推进情况") -> Figure:
    """平均进度 against 平均序时进度 over the recent months, with the measures completed as bars beneath.

    The two lines differ in dash and marker (not only colour); the completed counts get their own small panel
    under the lines, so bars, lines and labels never cover each other."""
    if not history:
        figure, axes = _new_figure(size, title)
        return _show_empty(figure, axes)
    ensure_chart_font()
    figure = Figure(figsize=size, layout="constrained")
    if title:
        figure.suptitle(title, x=0.02, ha="left", fontsize=11, color=TEXT_COLOR)
    lines, bars = figure.subplots(2, 1, sharex=True, height_ratios=[3.2, 1])
    for axes in (lines, bars):
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        axes.tick_params(colors=TEXT_COLOR, labelsize=TICK_SIZE)
    xs = list(range(len(history)))
    progress = [point.average_progress for point in history]
    expected = [point.average_expected for point in history]
    lines.plot(xs, progress, label="平均进度", gid="line:progress", zorder=3, **PROGRESS_STYLE)
    lines.plot(xs, expected, label="平均序时进度", gid="line:expected", zorder=2, **EXPECTED_STYLE)

    plot_inches = size[0] - 0.7
    slot = plot_inches / max(len(history), 1)
    _label_values(lines, progress, expected, _every(len(history), slot, VALUE_LABEL_INCHES))
    # Room above 100% and below 0% for the value labels, as a share of the panel's height.
    panel_inches = (size[1] - 1.05) * 3.2 / 4.2
    share = (VALUE_OFFSET_POINTS + VALUE_SIZE * 1.5) / 72 / max(panel_inches, 0.5)
    pad = 100 * share / max(1 - 2 * share, 0.3)
    values = [*progress, *expected]
    lines.set_ylim(min(0.0, min(values) - pad), max(100.0, max(values) + pad))
    lines.yaxis.set_major_locator(FixedLocator(range(0, 101, 25)))
    lines.yaxis.set_major_formatter(PercentFormatter(100, decimals=0))
    lines.spines["left"].set_bounds(0, 100)
    lines.spines["bottom"].set_visible(False)
    lines.tick_params(axis="x", bottom=False)
    lines.grid(axis="y", color="#e6e6e6", linewidth=0.6, zorder=0)

    completed = [point.completed for point in history]
    bars.bar(xs, completed, width=0.5, gid="bar:completed", zorder=2, **COMPLETED_STYLE)
    top = max(max(completed), 1)
    count_inches = _text_inches(f"{max(completed)}项", VALUE_SIZE) + 0.08
    for x in _every(len(history), slot, count_inches):
        bars.text(x, completed[x] + top * 0.06, f"{completed[x]}项", ha="center", va="bottom", fontsize=VALUE_SIZE,
                  color=TEXT_COLOR, gid="completed")
    bars.set_ylim(0, top * 1.7)
    bars.spines["left"].set_visible(False)
    bars.tick_params(axis="y", left=False, labelleft=False)
    shown = _every(len(history), slot, MONTH_LABEL_INCHES)
    shown_labels = dict(zip(shown, month_labels([history[x].period for x in shown]), strict=True))
    bars.set_xticks(xs, [shown_labels.get(x, "") for x in xs])
    span = max(len(history) + 0.2, 4.0)  # a lone month keeps a bar of ordinary width, centred
    middle = (len(history) - 1) / 2
    bars.set_xlim(middle - span / 2, middle + span / 2)

    handles = [Line2D([], [], label="平均进度", **PROGRESS_STYLE),
               Line2D([], [], label="平均序时进度", **EXPECTED_STYLE),
               Patch(label="已完成举措（项）", **COMPLETED_STYLE)]
    figure.legend(handles=handles, loc="outside upper right", ncols=3, frameon=False, fontsize=8.5,
                  handlelength=2.6)
    return figure
