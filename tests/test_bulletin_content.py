"""What a 督查通报 says, checked against the ledger row by row: counts, 点名, changes, missing reports, 期号."""

from collections import Counter
from datetime import date

import pytest

from conftest import TODAY, make_context
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Cycle, Light, ReportKind, Status
from zzdesk.services import demo, ledger, office_settings, report_archive, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.bulletin_content import as_of_for, collect_bulletin, default_period
from zzdesk.services.report_archive import GeneratedReport, IssueNumber
from zzdesk.services.updates import UpdateInput

LEAD = "市发展改革委"


@pytest.fixture
def demo_ctx(ctx):
    demo.populate_demo(ctx)
    return ctx


def _rows(ctx):
    plan = ledger.plan_view(ctx)
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def _assign(ctx, code: str, deadline: date, lead: str = LEAD) -> None:
    assign(ctx, code, AssignmentChange(lead=lead, start=date(2025, 1, 1), deadline=Deadline(deadline),
                                       cycle=Cycle.MONTHLY, due_day=5))


def _report(ctx, code: str, period: Period, status: Status, progress: int, accept: bool = True) -> None:
    view = updates.log_update(ctx, code, UpdateInput(status=status, progress=progress, text=f"{period}进展。",
                                                     period=period))
    if accept:
        updates.review_update(ctx, view.id, accept=True)


def _issue(ctx, period: Period) -> None:
    """Record a bulletin for ``period`` the way generating one does."""
    data = collect_bulletin(ctx, period)
    report_archive.record(ctx, GeneratedReport(
        kind=ReportKind.BULLETIN, file_name="x.pdf", sha256="0" * 64, size_bytes=1, pages=1, as_of=data.as_of,
        period=period, issue=IssueNumber(data.year, data.number, assigned=False)))


def test_default_period_is_the_latest_month_whose_reports_are_due():
    assert default_period(date(2025, 11, 20)) == Period(2025, 10)
    assert default_period(date(2025, 11, 3)) == Period(2025, 9)  # October's reports are due on 5 November
    assert as_of_for(Period(2025, 10), date(2025, 11, 20)) == date(2025, 11, 20)
    assert as_of_for(Period(2025, 8), date(2025, 11, 20)) == date(2025, 9, 30)


def test_counts_match_the_ledger_measure_by_measure(demo_ctx):
    data = collect_bulletin(demo_ctx)
    measures = [t for t in _rows(demo_ctx) if t.kind == "measure"]
    statuses = Counter(m.status for m in measures)
    lights = Counter(m.light for m in measures)
    assert data.dashboard.measures.total == len(measures) == 33
    for status in (*Status, None):
        assert data.dashboard.measures.status(status) == statuses[status]
    for light in Light:
        assert data.dashboard.measures.light(light) == lights[light]
    assert data.measures_overdue == sum(1 for m in measures if m.deadline and m.deadline < TODAY
                                        and m.status is not Status.COMPLETED)
    assert [g.title for g in data.groups] == [g.title for g in ledger.plan_view(demo_ctx).groups]
    assert len(data.ledger) == 33


def test_named_list_is_every_red_row_most_overdue_first(demo_ctx):
    data = collect_bulletin(demo_ctx)
    red = {t.code for t in _rows(demo_ctx) if t.light is Light.RED and not (t.rolled_up and t.items
                                                                          and t.days_overdue == 0)}
    assert {n.code for n in data.named} == red and red
    overdue = [n.days_overdue for n in data.named]
    assert overdue == sorted(overdue, reverse=True)
    for item in data.named:
        assert item.lead and (item.days_overdue > 0 or item.status is Status.LAGGING)


def test_a_past_period_leaves_out_later_reports(ctx):
    _assign(ctx, "1.1", date(2026, 6, 30))
    _report(ctx, "1.1", Period(2025, 9), Status.ON_TRACK, 30)
    _report(ctx, "1.1", Period(2025, 10), Status.COMPLETED, 100)
    september = collect_bulletin(ctx, Period(2025, 9))
    october = collect_bulletin(ctx, Period(2025, 10))
    assert september.dashboard.measures.status(Status.ON_TRACK) == 1
    assert september.dashboard.measures.status(Status.COMPLETED) == 0
    assert october.dashboard.measures.status(Status.COMPLETED) == 1
    first = next(m for g in october.groups for m in g.measures if m.code == "1.1")
    assert first.update.period == "2025-10" and first.update.text == "2025-10进展。"


def test_newly_completed_and_newly_lagging_compare_with_the_previous_month(ctx):
    for code in ("1.1", "1.2", "1.3"):
        _assign(ctx, code, date(2026, 6, 30))
    _report(ctx, "1.1", Period(2025, 9), Status.ON_TRACK, 50)
    _report(ctx, "1.1", Period(2025, 10), Status.COMPLETED, 100)
    _report(ctx, "1.2", Period(2025, 9), Status.ON_TRACK, 40)
    _report(ctx, "1.2", Period(2025, 10), Status.LAGGING, 42)
    _report(ctx, "1.3", Period(2025, 9), Status.LAGGING, 10)
    _report(ctx, "1.3", Period(2025, 10), Status.LAGGING, 12)
    data = collect_bulletin(ctx, Period(2025, 10))
    assert data.previous is None and data.compared_with == Period(2025, 9)
    assert [c.code for c in data.newly_completed] == ["1.1"]
    assert [c.code for c in data.newly_lagging] == ["1.2"]  # 1.3 was already lagging
    assert {n.code for n in data.named} == {"1.2", "1.3"}


def test_changes_compare_with_the_previous_bulletin_on_record(ctx):
    _assign(ctx, "1.1", date(2026, 6, 30))
    _report(ctx, "1.1", Period(2025, 8), Status.ON_TRACK, 20)
    _issue(make_context(ctx.database, date(2025, 9, 10)), Period(2025, 8))
    _report(ctx, "1.1", Period(2025, 9), Status.COMPLETED, 100)
    data = collect_bulletin(ctx, Period(2025, 10))
    assert data.previous is not None and data.previous.period == Period(2025, 8)
    assert data.compared_with == Period(2025, 8)
    assert [c.code for c in data.newly_completed] == ["1.1"]


def test_missing_reports_are_grouped_by_lead_department(ctx):
    _assign(ctx, "1.1", date(2026, 6, 30))
    _assign(ctx, "1.2", date(2026, 6, 30))
    _assign(ctx, "2.1", date(2026, 6, 30), lead="市财政局")
    _report(ctx, "2.1", Period(2025, 10), Status.ON_TRACK, 30)
    data = collect_bulletin(ctx)
    assert [(m.department, m.codes, m.due_on) for m in data.missing_reports] == [
        (LEAD, ("1.1", "1.2"), date(2025, 11, 5))]


def test_department_rate_counts_overdue_and_late_completion(ctx):
    _assign(ctx, "1.1", date(2025, 8, 31))  # completed in time
    _assign(ctx, "1.2", date(2025, 8, 31))  # completed a month late
    _assign(ctx, "1.3", date(2025, 9, 30))  # overdue
    _assign(ctx, "1.4", date(2026, 6, 30))  # not yet due
    _report(ctx, "1.1", Period(2025, 8), Status.COMPLETED, 100)
    _report(ctx, "1.2", Period(2025, 9), Status.COMPLETED, 100)
    _report(ctx, "1.3", Period(2025, 10), Status.ON_TRACK, 80)
    _report(ctx, "1.4", Period(2025, 10), Status.ON_TRACK, 50)
    rank = next(d for d in collect_bulletin(ctx).departments if d.name == LEAD)
    assert (rank.led, rank.on_time, rank.late) == (4, 2, 1)
    assert rank.rate == 0.5


def test_issue_numbers_are_kept_per_period_and_count_within_the_year(ctx):
    _assign(ctx, "1.1", date(2026, 6, 30))
    _report(ctx, "1.1", Period(2025, 9), Status.ON_TRACK, 20)
    september_ctx = make_context(ctx.database, date(2025, 10, 20))
    assert collect_bulletin(september_ctx, Period(2025, 9)).issue_text == "2025年第1期"
    _issue(september_ctx, Period(2025, 9))
    assert collect_bulletin(ctx, Period(2025, 9)).number == 1  # reprinting keeps the number
    assert collect_bulletin(ctx, Period(2025, 10)).issue_text == "2025年第2期"
    _issue(ctx, Period(2025, 10))
    january = make_context(ctx.database, date(2026, 1, 20))
    assert collect_bulletin(january, Period(2025, 12)).issue_text == "2026年第1期"


def test_periods_without_data_or_in_the_future_are_refused(ctx):
    with pytest.raises(ValidationError, match="还没有任何进展报送"):
        collect_bulletin(ctx)
    _assign(ctx, "1.1", date(2026, 6, 30))
    _report(ctx, "1.1", Period(2025, 9), Status.ON_TRACK, 20)
    with pytest.raises(ValidationError, match="还没有到"):
        collect_bulletin(ctx, Period(2025, 12))
    with pytest.raises(ValidationError, match="之前没有任何进展报送"):
        collect_bulletin(ctx, Period(2025, 3))


def test_history_has_six_months_ending_with_the_period(demo_ctx):
    data = collect_bulletin(demo_ctx)
    assert [p.period for p in data.history] == [data.period.shifted(-k) for k in range(5, -1, -1)]
    last = data.history[-1]
    assert last.completed == data.dashboard.measures.status(Status.COMPLETED)
    assert last.lagging == data.dashboard.measures.status(Status.LAGGING)


def test_report_texts_are_office_settings(ctx):
    office_settings.set_value(ctx, "report.office_name", "  郑州市人民政府督查室 ")
    assert office_settings.current_values(ctx)["report.office_name"] == "郑州市人民政府督查室"
    with pytest.raises(ValidationError, match="不能为空"):
        office_settings.set_value(ctx, "report.signature", "   ")
    with pytest.raises(ValidationError, match="最多 40 个字"):
        office_settings.set_value(ctx, "report.office_name", "督" * 41)
    assert office_settings.current_values(ctx)["report.office_name"] == "郑州市人民政府督查室"


def test_a_measure_with_many_work_items_is_summed_up_not_listed(ctx):
    from zzdesk.services.work_items import add_work_item

    codes = [add_work_item(ctx, "1.1", f"第{n}项具体任务") for n in range(1, 8)]
    for code in codes:
        _assign(ctx, code, date(2026, 6, 30))
    _report(ctx, codes[0], Period(2025, 10), Status.COMPLETED, 100)
    _report(ctx, codes[1], Period(2025, 10), Status.LAGGING, 10)
    _report(ctx, codes[2], Period(2025, 10), Status.ON_TRACK, 30)
    _assign(ctx, "1.2", date(2026, 6, 30))
    add_work_item(ctx, "1.2", "唯一的具体任务")
    data = collect_bulletin(ctx)
    many = next(m for g in data.groups for m in g.measures if m.code == "1.1")
    few = next(m for g in data.groups for m in g.measures if m.code == "1.2")
    assert (many.items, many.items_total, many.items_completed, many.items_lagging) == ((), 7, 1, 1)
    assert [i.code for i in few.items] == ["1.2.1"] and few.items_total == 1
