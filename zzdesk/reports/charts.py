"""Charts of the lights, built as matplotlib ``Figure`` objects: the dashboard embeds them, the bulletin prints them.

No pyplot and no Qt. Leaders read the bulletin in black and white, so every light has a hatch pattern as well as
a colour, and every bar carries its number.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from zzdesk.domain.plan_parser import numeral_text
from zzdesk.domain.vocabulary import LIGHT_LABELS, Light
from zzdesk.reports.chart_fonts import ensure_chart_font

if TYPE_CHECKING:  # reports sit below services: only the shape of the numbers is shared
    from zzdesk.services.dashboard import DashboardData, Tally

LIGHT_ORDER = (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE, Light.NONE)
Size = tuple[float, float]
X_MARGIN = 1.12  # room right of the longest bar for its total


@dataclass(frozen=True)
class LightStyle:
    color: str  # the same colours as the GUI's light icons (ui/lights.py)
    hatch: str


LIGHT_STYLES = {
    Light.RED: LightStyle("#d64541", "xxx"),
    Light.YELLOW: LightStyle("#e5a50a", "///"),
    Light.GREEN: LightStyle("#2e9d4f", ""),
    Light.DONE: LightStyle("#5b7db1", "..."),
    Light.NONE: LightStyle("#d9d9d9", "\\\\"),
}
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
