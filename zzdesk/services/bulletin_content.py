"""督查通报的内容: everything a bulletin for one period prints, gathered from the ledger in one pass.

The bulletin for a period counts the reports up to that period, with lights as of the day it is issued: today,
or for a period before the latest due one, the last day of the month after it (when its bulletin was made). Its numbers
come from the same ``ledger.plan_view`` and ``dashboard.summarize`` as the GUI, so the two never disagree.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from zzdesk.domain.codes import sort_key
from zzdesk.domain.dates import Period, parse_period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.reporting import DEFAULT_DUE_DAY, latest_due_report
from zzdesk.domain.vocabulary import Cycle, Light, Status
from zzdesk.reports.models import (
    BulletinData,
    ChangeItem,
    DepartmentRank,
    GroupReport,
    MeasureReport,
    MissingReport,
    NamedItem,
    OfficeInfo,
    UpdateLine,
)
from zzdesk.reports.summary_text import full_date, period_text, trim
from zzdesk.services import dashboard, ledger
from zzdesk.services.context import ServiceContext
from zzdesk.services.office_settings import values_in
from zzdesk.services.report_archive import issue_number, previous_bulletin
from zzdesk.services.report_history import (
    AcceptedText,
    history_periods,
    history_points,
    last_day,
    latest_accepted_texts,
    states_by_period,
)
from zzdesk.services.views import PlanView, TaskView
from zzdesk.store.session import read_session
from zzdesk.store.tables import StatusUpdate

HISTORY_MONTHS = 6
UPDATE_TEXT_LIMIT = 160  # characters of a measure's latest report in its group's section
ITEM_TEXT_LIMIT = 80
# A measure split into more work items than this gets one sentence about them instead of a line each: a leader
# reads the measure; the lagging items are named in 点名通报 anyway.
ITEMS_LISTED = 5


def default_period(today: date) -> Period:
    """The latest month whose monthly reports have all fallen due (on the 5th, October's by 5 November)."""
    due = latest_due_report(Cycle.MONTHLY, DEFAULT_DUE_DAY, today)
    assert due is not None  # a monthly cycle without start date always has a report due
    return due.last


def as_of_for(period: Period, today: date) -> date:
    """Today for the latest due period (or a later one); for an earlier period the last day of the month after
    it, when that period's bulletin was made."""
    if period >= default_period(today):
        return today
    return min(today, last_day(period.shifted(1)))


def office_info(session: Session) -> OfficeInfo:
    values = values_in(session)
    return OfficeInfo(office_name=str(values["report.office_name"]), signature=str(values["report.signature"]),
                      send_to=str(values["report.send_to"]), copy_to=str(values["report.copy_to"]),
                      requirements=str(values["report.requirements"]))


def check_period(session: Session, period: Period, today: date) -> None:
    if period > Period.of(today):
        raise ValidationError(f"报送期“{period}”还没有到，通报只能写已经开始的月份（最晚 {Period.of(today)}）")
    first = session.exec(select(func.min(StatusUpdate.period))).one()
    if first is None:
        raise ValidationError("数据库里还没有任何进展报送，暂时无法生成通报")
    if str(period) < first:
        raise ValidationError(f"报送期“{period}”之前没有任何进展报送（最早的是 {first}），请换一个报送期")


def collect_bulletin(ctx: ServiceContext, period: Period | None = None) -> BulletinData:
    today = ctx.today()
    period = period or default_period(today)
    as_of = as_of_for(period, today)
    with read_session(ctx.engine) as session:
        check_period(session, period, today)
    plan = ledger.plan_view(replace(ctx, today=lambda: as_of), through=period)
    with read_session(ctx.engine) as session:
        office = office_info(session)
        due_soon_days = int(values_in(session)["light.due_soon_days"])
        issue = issue_number(session, period, as_of)
        previous = previous_bulletin(session, period)
        compared_with = previous.period if previous else period.shifted(-1)
        compared_as_of = previous.as_of if previous else as_of_for(compared_with, today)
        months = history_periods(period, HISTORY_MONTHS)
        by_period = states_by_period(session, plan, [*months, compared_with])  # one pass over the reports for both
        before = by_period[compared_with]
        texts = latest_accepted_texts(session, period)
        history = history_points(plan, months, by_period, as_of)
    summary = dashboard.summarize(plan, as_of, due_soon_days)
    rows = _rows(plan)
    named = named_items(rows)
    measures = [m for g in plan.groups for m in g.measures]
    return BulletinData(
        office=office, year=issue.year, number=issue.number, period=period, as_of=as_of,
        plan_title=plan.title, section_title=plan.section_title, dashboard=summary,
        measures_overdue=sum(dashboard.is_overdue(m, as_of) for m in measures),
        work_items=sum(len(m.items) for m in measures), named=named,
        previous=previous, compared_with=compared_with,
        newly_completed=newly_completed(rows, before),
        newly_lagging=newly_lagging(named, before, compared_as_of),
        missing_reports=missing_reports(rows, as_of),
        departments=department_ranks(summary.departments), history=history,
        groups=tuple(_group_report(group, texts) for group in plan.groups),
        ledger=tuple(replace(m, items=()) for m in measures))  # without its items, the ledger is let go


def _rows(plan: PlanView) -> list[TaskView]:
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def _summed_up_from_items(task: TaskView) -> bool:
    """A measure whose state only repeats its work items' (they are listed themselves)."""
    return task.kind == "measure" and bool(task.items) and task.rolled_up


def named_items(rows: Iterable[TaskView]) -> tuple[NamedItem, ...]:
    """点名: red rows — overdue, or reported as lagging — most overdue first. A measure red only because one of
    its work items lags is not named twice: the item is."""
    named = [NamedItem(code=t.code, title=t.title, lead=t.lead, deadline=t.deadline, days_overdue=t.days_overdue,
                       status=t.status, progress=t.progress, expected=t.expected_progress, reasons=t.light_reasons,
                       original_deadline=t.original_deadline if t.extended else None)
             for t in rows if t.light is Light.RED and not (_summed_up_from_items(t) and t.days_overdue == 0)]
    return tuple(sorted(named, key=lambda n: (-n.days_overdue, sort_key(n.code))))


def newly_completed(rows: Iterable[TaskView], before: dict[str, tuple[Status | None, int | None]]) \
        -> tuple[ChangeItem, ...]:
    done = [ChangeItem(code=t.code, title=t.title, lead=t.lead, note=f"{_month_words(t.last_period)}报送已完成")
            for t in rows if t.status is Status.COMPLETED and not _summed_up_from_items(t)
            and before.get(t.code, (None, None))[0] is not Status.COMPLETED]
    return tuple(sorted(done, key=lambda c: sort_key(c.code)))


def newly_lagging(named: Iterable[NamedItem], before: dict[str, tuple[Status | None, int | None]],
                  compared_as_of: date) -> tuple[ChangeItem, ...]:
    """Named now, and not red at the comparison: neither reported lagging then nor past its deadline then."""
    fresh = []
    for item in named:
        was_lagging = before.get(item.code, (None, None))[0] is Status.LAGGING
        was_overdue = item.deadline is not None and item.deadline < compared_as_of
        if not (was_lagging or was_overdue):
            fresh.append(ChangeItem(code=item.code, title=item.title, lead=item.lead, note="、".join(item.reasons)))
    return tuple(sorted(fresh, key=lambda c: sort_key(c.code)))


def missing_reports(rows: Iterable[TaskView], as_of: date) -> tuple[MissingReport, ...]:
    """Lead departments whose latest due report has not come in, with the items and the earliest due date."""
    by_department: dict[str, list[tuple[str, date]]] = defaultdict(list)
    for task in rows:
        if not task.report_missing or task.lead is None or (task.kind == "measure" and task.items):
            continue
        due = latest_due_report(task.cycle, task.due_day, as_of, task.start, task.deadline)
        if due is not None:
            by_department[task.lead].append((task.code, due.due_on))
    missing = [MissingReport(department=name, codes=tuple(sorted((c for c, _ in entries), key=sort_key)),
                             due_on=min(d for _, d in entries)) for name, entries in by_department.items()]
    return tuple(sorted(missing, key=lambda m: (-len(m.codes), m.department)))


def department_ranks(stats: Iterable[dashboard.DepartmentStats]) -> tuple[DepartmentRank, ...]:
    ranks = [DepartmentRank(name=s.name, led=s.led, late=s.late, reports_missing=s.reports_missing,
                            on_time=s.led - s.late - (s.completed - s.completed_on_time)) for s in stats]
    return tuple(sorted(ranks, key=lambda r: (r.rate, -r.led, r.name)))


def _month_words(period: str | None) -> str:
    return period_text(parse_period(period)) if period else ""


def _deadline_words(task: TaskView) -> str:
    """「2026年12月31日」, 「长期」 or 「未定」, as the bulletin's sentences say it."""
    if task.ongoing:
        return "长期"
    if task.deadline is None:
        return "未定"
    if task.extended and task.original_deadline is not None:
        return f"{full_date(task.deadline)}，原定{full_date(task.original_deadline)}，已批准延期"
    return full_date(task.deadline)


def _update_line(task: TaskView, texts: dict[str, AcceptedText], limit: int) -> UpdateLine:
    accepted = texts.get(task.code)
    if accepted is None:
        return UpdateLine(code=task.code, title=task.title, period=None, text="")
    return UpdateLine(code=task.code, title=task.title, period=accepted.period, text=trim(accepted.text, limit))


def _group_report(group, texts: dict[str, AcceptedText]) -> GroupReport:  # type: ignore[no-untyped-def]
    return GroupReport(code=group.code, title=group.title, short_title=group.short_title, measures=tuple(
        MeasureReport(code=m.code, title=m.title, lead=m.lead, co=m.co, deadline_text=_deadline_words(m),
                      status=m.status, progress=m.progress, light=m.light,
                      update=_update_line(m, texts, UPDATE_TEXT_LIMIT),
                      items=tuple(_update_line(i, texts, ITEM_TEXT_LIMIT) for i in m.items)
                      if len(m.items) <= ITEMS_LISTED else (),
                      items_total=len(m.items),
                      items_completed=sum(i.status is Status.COMPLETED for i in m.items),
                      items_lagging=sum(i.light is Light.RED for i in m.items))
        for m in group.measures))
