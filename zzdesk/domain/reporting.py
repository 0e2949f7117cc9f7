"""报送周期: which report is due when, and whether the latest one is missing.

A report covers a span of months and falls due on a day of the month after the span:
monthly reports for May are due on the due day of June, quarterly ones for Q2 on the due day of
July, half-yearly ones in July and January. A one-off report is due on the deadline itself.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from zzdesk.domain.dates import Period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Cycle

DEFAULT_DUE_DAY = 5
_SPAN_MONTHS = {Cycle.MONTHLY: 1, Cycle.QUARTERLY: 3, Cycle.HALF_YEARLY: 6}


@dataclass(frozen=True)
class DueReport:
    """The report that fell due most recently: the months it covers and its due date."""

    first: Period
    last: Period
    due_on: date

    def covers(self, period: Period) -> bool:
        return self.first <= period <= self.last


def validate_due_day(day: int) -> int:
    if not 1 <= day <= 31:
        raise ValidationError(f"报送日“{day}”应在 1 到 31 之间（每月几日前报送）")
    return day


def _due_date(period_after: Period, due_day: int) -> date:
    last_day = calendar.monthrange(period_after.year, period_after.month)[1]
    return date(period_after.year, period_after.month, min(due_day, last_day))


def latest_due_report(cycle: Cycle | None, due_day: int | None, today: date,
                      start: date | None = None, deadline: date | None = None) -> DueReport | None:
    """The most recent report whose due date is on or before ``today``; None when none is due yet."""
    if cycle is None:
        return None
    if cycle is Cycle.ONCE:
        if deadline is None or deadline > today:
            return None
        month = Period.of(deadline)
        return DueReport(month, month, deadline)
    span = _SPAN_MONTHS[cycle]
    day = due_day or DEFAULT_DUE_DAY
    # Spans are aligned to the calendar year: Jan–Mar, Apr–Jun ... for quarters.
    current = Period.of(today)
    last = current.shifted(-1)
    while (last.month % span) != 0:
        last = last.shifted(-1)
    due = _due_date(last.shifted(1), day)
    if due > today:
        last = last.shifted(-span)
        due = _due_date(last.shifted(1), day)
    first = last.shifted(-(span - 1))
    if start is not None and start > _last_day(last):
        return None
    return DueReport(first, last, due)


def _last_day(period: Period) -> date:
    return date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])


def is_report_missing(due: DueReport | None, reported_periods: Iterable[Period]) -> bool:
    return due is not None and not any(due.covers(p) for p in reported_periods)


def default_period(cycle: Cycle | None, due_day: int | None, today: date) -> Period:
    """The month a report made today is most likely about: the one whose report falls due next.

    Until the due day, a monthly report is about last month (「每月5日前报送上月进展」); after it, this month.
    For quarters and half-years last month counts only while its span's report is still due.
    """
    current = Period.of(today)
    previous = current.shifted(-1)
    day = due_day or DEFAULT_DUE_DAY
    if cycle is Cycle.ONCE or today > _due_date(current, day):
        return current
    span = _SPAN_MONTHS.get(cycle, 1) if cycle is not None else 1
    return previous if previous.month % span == 0 else current


def next_report_due(cycle: Cycle | None, due_day: int | None, today: date,
                    start: date | None = None, deadline: date | None = None) -> date | None:
    """The due date of the first report that falls due after ``today``; None for no cycle or a past one-off."""
    if cycle is None:
        return None
    if cycle is Cycle.ONCE:
        return deadline if deadline is not None and deadline > today else None
    month = Period.of(today)
    for _ in range(_SPAN_MONTHS[cycle] + 1):
        month_end = _last_day(month)
        due = latest_due_report(cycle, due_day, month_end, start, deadline)
        if due is not None and due.due_on > today:
            return due.due_on
        month = month.shifted(1)
    return None


def covered_months_text(due: DueReport) -> str:
    """「2025年10月」 for one month, 「2025年7月至9月」 for a span."""
    if due.first == due.last:
        return f"{due.first.year}年{due.first.month}月"
    if due.first.year == due.last.year:
        return f"{due.first.year}年{due.first.month}月至{due.last.month}月"
    return f"{due.first.year}年{due.first.month}月至{due.last.year}年{due.last.month}月"
