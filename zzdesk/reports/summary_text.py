"""The sentences a report writes from the numbers: the bulletin's opening summary, dates the Chinese way, trimming.

Shared by the bulletin and the leader brief so both say exactly the same thing about the same data.
"""

from datetime import date
from typing import TYPE_CHECKING

from zzdesk.domain.dates import Period
from zzdesk.domain.vocabulary import Light, Status

if TYPE_CHECKING:
    from zzdesk.services.dashboard import Tally

SENTENCE_ENDS = "。；！？"
ELLIPSIS = "……"


def month_day(day: date) -> str:
    return f"{day.month}月{day.day}日"


def full_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def period_text(period: Period) -> str:
    return f"{period.year}年{period.month}月"


def opening_summary(as_of: date, measures: "Tally", measures_overdue: int, work_items: int) -> str:
    """「截至11月20日，33项举措中，已完成3项、正常推进20项……」: every status that has at least one measure,
    then the overdue count and the lights, so a leader reads the whole picture in one sentence."""
    parts = [f"{label}{measures.status(status)}项" for status, label in (
        (Status.COMPLETED, "已完成"), (Status.ON_TRACK, "正常推进"), (Status.ONGOING, "持续推进"),
        (Status.LAGGING, "进度滞后"), (Status.NOT_STARTED, "未启动"), (None, "尚未报送进展"))
        if measures.status(status) or status in (Status.COMPLETED, Status.ON_TRACK, Status.LAGGING)]
    split = f"（分解为{work_items}项具体任务）" if work_items else ""
    lights = (f"亮红灯{measures.light(Light.RED)}项、黄灯{measures.light(Light.YELLOW)}项、"
              f"绿灯{measures.light(Light.GREEN)}项")
    return (f"截至{month_day(as_of)}，{measures.total}项举措{split}中，{'、'.join(parts)}；"
            f"超期未完成{measures_overdue}项。按红黄绿灯评价，{lights}。")


def trim(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at the last sentence end that fits, else at a comma, else hard with「……」.

    Never leaves a dangling opening bracket or quote at the cut."""
    clean = " ".join(text.split())
    if len(clean) <= limit:
        return clean
    window = clean[:limit]
    for marks in (SENTENCE_ENDS, "，、,"):
        cut = max(window.rfind(mark) for mark in marks)
        if cut >= limit // 2:
            head = window[:cut + 1] if marks == SENTENCE_ENDS else window[:cut]
            return head if marks == SENTENCE_ENDS else head + ELLIPSIS
    head = window[:limit - len(ELLIPSIS)].rstrip("（(“‘《「")
    return head + ELLIPSIS
