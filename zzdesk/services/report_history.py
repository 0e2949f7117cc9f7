"""What the reports need from the history of reports: states as they stood at the end of past months, and each
task's latest accepted text. Each is a fixed number of set queries, whatever the size of the ledger."""

import calendar
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from zzdesk.domain.dates import Period
from zzdesk.domain.progress import expected_progress
from zzdesk.domain.rollup import rollup
from zzdesk.domain.vocabulary import ReviewState, Status
from zzdesk.reports.models import PeriodPoint
from zzdesk.services.views import PlanView, TaskView
from zzdesk.store.tables import StatusUpdate, Task

State = tuple[Status | None, int | None]


@dataclass(frozen=True)
class AcceptedText:
    period: str
    text: str


def last_day(period: Period) -> date:
    return date(period.year, period.month, calendar.monthrange(period.year, period.month)[1])


def _not_returned():  # type: ignore[no-untyped-def]
    return StatusUpdate.review_state != ReviewState.RETURNED.value


def latest_accepted_texts(session: Session, through: Period) -> dict[str, AcceptedText]:
    """Each task's newest accepted 进展情况 for a period up to ``through``, by task code."""
    ranked = select(
        StatusUpdate.task_id, StatusUpdate.period, StatusUpdate.progress_text,
        func.row_number().over(partition_by=StatusUpdate.task_id,
                               order_by=(StatusUpdate.period.desc(), StatusUpdate.id.desc())).label("rank"),
    ).where(StatusUpdate.review_state == ReviewState.ACCEPTED.value, StatusUpdate.period <= str(through)).subquery()
    rows = session.exec(select(Task.code, ranked.c.period, ranked.c.progress_text)
                        .join(ranked, ranked.c.task_id == Task.id).where(ranked.c.rank == 1))
    return {code: AcceptedText(period, text) for code, period, text in rows}


def states_through(session: Session, plan: PlanView, through: Period) -> dict[str, State]:
    """Every ledger row's status and progress as reported up to ``through`` (a measure without reports of its
    own summed up from its work items, as the ledger does)."""
    return states_by_period(session, plan, [through])[through]


def states_by_period(session: Session, plan: PlanView, periods: Iterable[Period]) -> dict[Period, dict[str, State]]:
    """The same for several month ends at once, from two queries: the reports within the span and, for each task,
    the newest report before it."""
    wanted = sorted(set(periods))
    if not wanted:
        return {}
    first, last = str(wanted[0]), str(wanted[-1])
    before = select(
        StatusUpdate.task_id, StatusUpdate.period, StatusUpdate.status, StatusUpdate.progress,
        func.row_number().over(partition_by=StatusUpdate.task_id,
                               order_by=(StatusUpdate.period.desc(), StatusUpdate.id.desc())).label("rank"),
    ).where(_not_returned(), StatusUpdate.period < first).subquery()
    codes = dict(session.exec(select(Task.id, Task.code)).all())
    timeline: dict[str, list[tuple[str, Status, int]]] = defaultdict(list)
    for task_id, period, status, progress in session.exec(
            select(before.c.task_id, before.c.period, before.c.status, before.c.progress).where(before.c.rank == 1)):
        timeline[codes[task_id]].append((period, Status(status), progress))
    for task_id, period, status, progress in session.exec(
            select(StatusUpdate.task_id, StatusUpdate.period, StatusUpdate.status, StatusUpdate.progress)
            .where(_not_returned(), StatusUpdate.period >= first, StatusUpdate.period <= last)
            .order_by(StatusUpdate.period, StatusUpdate.id)):
        timeline[codes[task_id]].append((period, Status(status), progress))
    return {period: _states_at(plan, timeline, str(period)) for period in wanted}


def _states_at(plan: PlanView, timeline: dict[str, list[tuple[str, Status, int]]], period: str) -> dict[str, State]:
    def own(code: str) -> State:
        state: State = (None, None)
        for reported, status, progress in timeline.get(code, ()):
            if reported > period:
                break
            state = (status, progress)
        return state

    states: dict[str, State] = {}
    for group in plan.groups:
        for measure in group.measures:
            items = {item.code: own(item.code) for item in measure.items}
            states.update(items)
            mine = own(measure.code)
            states[measure.code] = mine if mine[0] is not None or not items else rollup(list(items.values()))
    return states


def progress_history(session: Session, plan: PlanView, through: Period, months: int, as_of: date) -> \
        tuple[PeriodPoint, ...]:
    """The measures at the end of each of the last ``months`` months up to ``through`` (oldest first)."""
    periods = [through.shifted(-offset) for offset in range(months - 1, -1, -1)]
    by_period = states_by_period(session, plan, periods)
    measures = [m for g in plan.groups for m in g.measures]
    return tuple(_point(period, measures, by_period[period], min(last_day(period), as_of)) for period in periods)


def _point(period: Period, measures: list[TaskView], states: dict[str, State], day: date) -> PeriodPoint:
    reported = [states[m.code] for m in measures if states[m.code][0] is not None]
    expected = [e for m in measures if (e := expected_progress(m.start, m.deadline, day)) is not None]
    return PeriodPoint(
        period=period, measures=len(measures),
        completed=sum(status is Status.COMPLETED for status, _ in reported),
        lagging=sum(status is Status.LAGGING for status, _ in reported),
        average_progress=sum(p or 0 for _, p in reported) / len(reported) if reported else 0.0,
        average_expected=sum(expected) / len(expected) if expected else 0.0)
