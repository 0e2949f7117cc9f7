"""工作概况 numbers: checked against counts made here, row by row, from the same ledger the clerk sees."""

from collections import Counter
from datetime import date, timedelta

import pytest

from conftest import TODAY, make_context
from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.errors import NotFoundError
from zzdesk.domain.vocabulary import Cycle, Light, Status
from zzdesk.services import dashboard, demo, ledger, office_settings, updates
from zzdesk.services.assignments import AssignmentChange, assign
from zzdesk.services.updates import UpdateInput

LEAD = "市发展改革委"


@pytest.fixture
def demo_ctx(ctx):
    demo.populate_demo(ctx)
    return ctx


def _rows(ctx):
    plan = ledger.plan_view(ctx)
    return [t for g in plan.groups for m in g.measures for t in (m, *m.items)]


def _assign(ctx, code: str, deadline: date | None, lead: str = LEAD) -> None:
    assign(ctx, code, AssignmentChange(lead=lead, start=date(2025, 1, 1), deadline=Deadline(deadline, deadline is None),
                                       cycle=Cycle.MONTHLY, due_day=5))


def _complete(ctx, code: str, period: Period) -> None:
    updates.log_update(ctx, code, UpdateInput(status=Status.COMPLETED, progress=100, text="已全部完成。",
                                              period=period))


def test_counts_by_light_and_status_match_the_ledger(demo_ctx):
    rows = _rows(demo_ctx)
    measures = [t for t in rows if t.kind == "measure"]
    data = dashboard.dashboard(demo_ctx)
    assert data.as_of == TODAY
    assert data.rows.total == len(rows) and data.measures.total == len(measures) < len(rows)
    for light in Light:
        assert data.rows.light(light) == sum(t.light is light for t in rows)
        assert data.measures.light(light) == sum(t.light is light for t in measures)
    for status in (*Status, None):
        assert data.rows.status(status) == sum(t.status is status for t in rows)
        assert data.measures.status(status) == sum(t.status is status for t in measures)
    assert sum(data.rows.by_light.values()) == sum(data.rows.by_status.values()) == len(rows)
    # The demo gives every light but 未分配 something to show.
    assert all(data.rows.light(light) for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE))


def test_each_task_group_has_its_own_counts(demo_ctx):
    plan = ledger.plan_view(demo_ctx)
    data = dashboard.dashboard(demo_ctx)
    assert [(g.code, g.short_title) for g in data.groups] == [(g.code, g.short_title) for g in plan.groups]
    assert data.groups[0].short_title == "着力扩需求稳增长"
    for stats, group in zip(data.groups, plan.groups, strict=True):
        rows = [t for m in group.measures for t in (m, *m.items)]
        assert stats.rows.total == len(rows) and stats.measures.total == len(group.measures)
        assert dict(stats.rows.by_light) == {light: sum(t.light is light for t in rows) for light in Light}
        assert dict(stats.measures.by_light) == {light: sum(m.light is light for m in group.measures)
                                                 for light in Light}
    assert sum(g.rows.light(Light.RED) for g in data.groups) == data.rows.light(Light.RED)


def test_overdue_list_is_most_overdue_first(demo_ctx):
    expected = sorted(((t.code, (TODAY - t.deadline).days) for t in _rows(demo_ctx)
                       if t.deadline and t.deadline < TODAY and t.status is not Status.COMPLETED),
                      key=lambda pair: (-pair[1], [int(p) for p in pair[0].split(".")]))
    data = dashboard.dashboard(demo_ctx)
    assert [(item.code, item.days) for item in data.overdue] == expected
    assert len(expected) >= 3
    first = ledger.task_view(demo_ctx, data.overdue[0].code)
    assert (data.overdue[0].title, data.overdue[0].lead, data.overdue[0].deadline) == (first.title, first.lead,
                                                                                       first.deadline)
    assert data.overdue[0].days == first.days_overdue  # the same count of days the light gives


def test_due_soon_list_is_soonest_first_and_follows_the_office_setting(demo_ctx):
    rows = _rows(demo_ctx)

    def expected(days: int) -> list[tuple[str, int]]:
        soon = [(t.code, (t.deadline - TODAY).days) for t in rows
                if t.deadline and t.status is not Status.COMPLETED and 0 <= (t.deadline - TODAY).days <= days]
        return sorted(soon, key=lambda pair: (pair[1], [int(p) for p in pair[0].split(".")]))

    data = dashboard.dashboard(demo_ctx)
    assert data.due_soon_days == 30
    assert [(item.code, item.days) for item in data.due_soon] == expected(30)
    assert len(data.due_soon) >= 3
    office_settings.set_value(demo_ctx, "light.due_soon_days", 14)
    shorter = dashboard.dashboard(demo_ctx)
    assert shorter.due_soon_days == 14
    assert [(item.code, item.days) for item in shorter.due_soon] == expected(14)
    assert 0 < len(shorter.due_soon) < len(data.due_soon)


def test_department_table_counts_what_each_department_leads(demo_ctx):
    rows = _rows(demo_ctx)
    data = dashboard.dashboard(demo_ctx)
    leads = Counter(t.lead for t in rows if t.lead)
    assert {d.name: d.led for d in data.departments} == dict(leads)
    for stats in data.departments:
        own = [t for t in rows if t.lead == stats.name]
        assert stats.completed == sum(t.status is Status.COMPLETED for t in own)
        assert stats.late == sum(1 for t in own if t.deadline and t.deadline < TODAY
                                 and t.status is not Status.COMPLETED)
        assert stats.reports_missing == sum(t.report_missing for t in own)
        assert stats.completed_on_time <= stats.completed
    assert [(d.late, d.name) for d in data.departments] == sorted(((d.late, d.name) for d in data.departments),
                                                                  key=lambda pair: (-pair[0], pair[1]))
    assert data.departments[0].late == max(d.late for d in data.departments) > 0
    assert sum(d.late for d in data.departments) == sum(1 for item in data.overdue if item.lead)
    assert sum(d.reports_missing for d in data.departments) >= 1


def test_completed_on_time_means_reported_done_by_the_deadline_month(ctx):
    _assign(ctx, "1.1", date(2025, 6, 30))
    _complete(ctx, "1.1", Period(2025, 6))  # reported in the deadline's own month: on time
    _assign(ctx, "1.2", date(2025, 6, 30))
    _complete(ctx, "1.2", Period(2025, 7))  # a month late
    _assign(ctx, "1.3", None)
    _complete(ctx, "1.3", Period(2025, 9))  # 长期: no deadline to miss
    _assign(ctx, "1.4", date(2025, 6, 30), lead="市财政局")  # overdue, not completed
    (row,) = [d for d in dashboard.dashboard(ctx).departments if d.name == LEAD]
    assert (row.led, row.completed, row.completed_on_time, row.late) == (3, 3, 2, 0)
    first = dashboard.dashboard(ctx).departments[0]
    assert (first.name, first.late, first.completed) == ("市财政局", 1, 0)


def test_an_empty_ledger_has_only_unassigned_rows(ctx):
    rows = _rows(ctx)
    data = dashboard.dashboard(ctx)
    assert data.rows.total == len(rows) == data.rows.light(Light.NONE) > 0
    assert data.rows.status(None) == len(rows)
    assert all(data.rows.light(light) == 0 for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.DONE))
    assert data.overdue == () and data.due_soon == () and data.departments == ()
    assert len(data.groups) == 8 and all(g.rows.total == g.rows.light(Light.NONE) for g in data.groups)


def test_nothing_overdue_but_one_item_due_soon(ctx):
    _assign(ctx, "3.2", TODAY + timedelta(days=12))
    _assign(ctx, "3.3", TODAY + timedelta(days=200))
    data = dashboard.dashboard(ctx)
    assert data.overdue == ()
    assert [(item.code, item.days, item.lead, item.deadline) for item in data.due_soon] == [
        ("3.2", 12, LEAD, TODAY + timedelta(days=12))]
    (row,) = data.departments
    assert (row.name, row.led, row.late, row.completed) == (LEAD, 2, 0, 0)


def test_due_today_is_due_soon_and_yesterday_is_overdue(ctx):
    _assign(ctx, "2.1", TODAY)
    _assign(ctx, "2.2", TODAY - timedelta(days=1))
    data = dashboard.dashboard(ctx)
    assert [(item.code, item.days) for item in data.due_soon] == [("2.1", 0)]
    assert [(item.code, item.days) for item in data.overdue] == [("2.2", 1)]


def test_a_database_without_a_plan_says_what_to_do(database):
    with pytest.raises(NotFoundError, match="还没有规划"):
        dashboard.dashboard(make_context(database))
