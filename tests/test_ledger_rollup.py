"""A measure split into work items shows their summed-up status until it is reported on itself."""

from datetime import date

from zzdesk.domain.dates import Deadline, Period
from zzdesk.domain.vocabulary import Cycle, Light, Status
from zzdesk.services import assignments, ledger, updates, work_items
from zzdesk.services.assignments import AssignmentChange
from zzdesk.services.updates import UpdateInput


def _assign(ctx, code: str) -> None:
    assignments.assign(ctx, code, AssignmentChange(lead="市发展改革委", start=date(2025, 1, 1),
                                                   deadline=Deadline(date(2026, 12, 31)), cycle=Cycle.MONTHLY))


def test_measure_sums_up_its_items_until_it_has_its_own_report(ctx):
    _assign(ctx, "1.1")
    first, second = work_items.accept_suggestions(ctx, "1.1", [1, 2])
    for code in (first, second):
        _assign(ctx, code)
    updates.log_update(ctx, first, UpdateInput(Status.ON_TRACK, 60, "已开工", period=Period(2025, 10)))
    updates.log_update(ctx, second, UpdateInput(Status.LAGGING, 20, "资金未到位", period=Period(2025, 10)))

    measure = ledger.task_view(ctx, "1.1")
    assert measure.rolled_up
    assert (measure.status, measure.progress, measure.last_period) == (Status.LAGGING, 40, "2025-10")
    assert measure.light is Light.RED
    assert [item.code for item in measure.items] == [first, second]

    updates.log_update(ctx, "1.1", UpdateInput(Status.ON_TRACK, 55, "总体推进", period=Period(2025, 11)))
    measure = ledger.task_view(ctx, "1.1")
    assert not measure.rolled_up
    assert (measure.status, measure.progress) == (Status.ON_TRACK, 55)


def test_a_report_on_an_item_counts_as_the_measures_report(ctx):
    _assign(ctx, "2.1")
    (item,) = work_items.accept_suggestions(ctx, "2.1", [1])
    _assign(ctx, item)
    assert "本期进展未报送" in ledger.task_view(ctx, "2.1").light_reasons
    updates.log_update(ctx, item, UpdateInput(Status.ON_TRACK, 90, "推进顺利", period=Period(2025, 10)))
    measure = ledger.task_view(ctx, "2.1")
    assert "本期进展未报送" not in measure.light_reasons
    assert measure.light is Light.GREEN


def test_a_missing_report_is_flagged_even_when_the_light_is_already_red(ctx):
    assignments.assign(ctx, "3.1", AssignmentChange(lead="市科技局", start=date(2025, 1, 1),
                                                    deadline=Deadline(date(2025, 10, 31)), cycle=Cycle.MONTHLY))
    overdue = ledger.task_view(ctx, "3.1")
    assert overdue.light is Light.RED and overdue.report_missing
    assert "本期进展未报送" not in overdue.light_reasons  # the light names its worst reason only
    updates.log_update(ctx, "3.1", UpdateInput(Status.ON_TRACK, 90, "收尾", period=Period(2025, 10)))
    assert not ledger.task_view(ctx, "3.1").report_missing
    updates.log_update(ctx, "3.1", UpdateInput(Status.COMPLETED, 100, "已完成", period=Period(2025, 11)))
    assert not ledger.task_view(ctx, "3.1").report_missing
