"""What the reports need from the history of reports: states as they stood at the end of past months, and each
task's latest accepted text. Each is a fixed number of set queries, whatever the size of the ledger.

A task's newest report of some kind is found with a correlated subquery (``latest_report_id``), which walks the
(task_id, period) index backwards from each task's end, rather than ranking every report with a window function:
on a hundred thousand tasks with a million reports that is 0.3 s instead of 1.6 s in SQLite. Rows come through the
connection as plain tuples: the ORM's per-row work would cost more than the query.
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from zzdesk.domain.dates import Period
from zzdesk.domain.progress import expected_progress
from zzdesk.domain.rollup import rollup
from zzdesk.domain.vocabulary import ReviewState, Status
from zzdesk.reports.models import PeriodPoint
from zzdesk.services.ledger import STREAM_ROWS, latest_report_id
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
    latest = latest_report_id(StatusUpdate.review_state == ReviewState.ACCEPTED.value,
                              StatusUpdate.period <= str(through))
    rows = session.connection().execute(select(Task.code, StatusUpdate.period, StatusUpdate.progress_text)
                                        .select_from(Task).join(StatusUpdate, StatusUpdate.id == latest))
    return {code: AcceptedText(period, text) for code, period, text in rows}


def states_through(session: Session, plan: PlanView, through: Period) -> dict[str, State]:
    """Every ledger row's status and progress as reported up to ``through`` (a measure without reports of its
    own summed up from its work items, as the ledger does)."""
    return states_by_period(session, plan, [through])[through]


def states_by_period(session: Session, plan: PlanView, periods: Iterable[Period]) -> dict[Period, dict[str, State]]:
    """The same for several month ends at once, from two queries: for each task the newest report before the span,
    then the reports within the span, task by task in order, each task's states at every month end worked out in
    one pass over its reports."""
    wanted = sorted(set(periods))
    if not wanted:
        return {}
    marks = [str(period) for period in wanted]
    first, last = marks[0], marks[-1]
    connection = session.connection()
    codes = dict(connection.execute(select(Task.id, Task.code)).all())
    statuses = {status.value: status for status in Status}
    shared: dict[tuple[str, int], State] = {}  # a few hundred distinct states among a million reports

    def state_of(status: str, progress: int) -> State:
        key = (status, progress)
        state = shared.get(key)
        if state is None:
            state = shared[key] = (statuses[status], progress)
        return state

    earlier = latest_report_id(_not_returned(), StatusUpdate.period < first)
    before: dict[int, State] = {
        task_id: state_of(status, progress) for task_id, status, progress in connection.execute(
            select(StatusUpdate.task_id, StatusUpdate.status, StatusUpdate.progress)
            .select_from(Task).join(StatusUpdate, StatusUpdate.id == earlier))}
    at_marks: dict[str, list[State]] = {}  # code: the task's state at each of ``marks``, when it reported in the span
    task_id: int | None = None
    states: list[State] = []
    state: State = (None, None)
    for reported_by, period, status, progress in connection.execute(
            select(StatusUpdate.task_id, StatusUpdate.period, StatusUpdate.status, StatusUpdate.progress)
            .where(_not_returned(), StatusUpdate.period >= first, StatusUpdate.period <= last)
            .order_by(StatusUpdate.task_id, StatusUpdate.period, StatusUpdate.id)
            .execution_options(yield_per=STREAM_ROWS)):
        if reported_by != task_id:
            if task_id is not None:
                at_marks[codes[task_id]] = states + [state] * (len(marks) - len(states))
            task_id, states, state = reported_by, [], before.get(reported_by, (None, None))
        while len(states) < len(marks) and marks[len(states)] < period:
            states.append(state)  # month ends before this report see the state before it
        state = state_of(status, progress)
    if task_id is not None:
        at_marks[codes[task_id]] = states + [state] * (len(marks) - len(states))
    quiet = {codes[task_id]: state for task_id, state in before.items()}  # no report within the span
    return {period: _states_at(plan, at_marks, quiet, index) for index, period in enumerate(wanted)}


def _states_at(plan: PlanView, at_marks: dict[str, list[State]], quiet: dict[str, State],
               index: int) -> dict[str, State]:
    def own(code: str) -> State:
        marked = at_marks.get(code)
        return marked[index] if marked is not None else quiet.get(code, (None, None))

    states: dict[str, State] = {}
    for group in plan.groups:
        for measure in group.measures:
            items = {item.code: own(item.code) for item in measure.items}
            states.update(items)
            mine = own(measure.code)
            states[measure.code] = mine if mine[0] is not None or not items else rollup(list(items.values()))
    return states


def history_periods(through: Period, months: int) -> list[Period]:
    """The last ``months`` months up to ``through``, oldest first."""
    return [through.shifted(-offset) for offset in range(months - 1, -1, -1)]


def progress_history(session: Session, plan: PlanView, through: Period, months: int, as_of: date) -> \
        tuple[PeriodPoint, ...]:
    """The measures at the end of each of the last ``months`` months up to ``through`` (oldest first)."""
    periods = history_periods(through, months)
    return history_points(plan, periods, states_by_period(session, plan, periods), as_of)


def history_points(plan: PlanView, periods: list[Period], by_period: dict[Period, dict[str, State]],
                   as_of: date) -> tuple[PeriodPoint, ...]:
    """``progress_history`` from states already worked out (``states_by_period`` for at least ``periods``)."""
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
