"""Domain rules: 序时进度, lights, reporting cycles, codes, dates — pure functions, no database."""

from datetime import date

import pytest

from zzdesk.domain.codes import parse_code, sort_key
from zzdesk.domain.dates import Period, parse_date, parse_deadline, parse_period
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.lights import LightRules, TaskState, assess
from zzdesk.domain.progress import expected_progress
from zzdesk.domain.reporting import is_report_missing, latest_due_report
from zzdesk.domain.vocabulary import Cycle, Light, Status, parse_cycle, parse_status

# --- 序时进度 ---------------------------------------------------------------------------


def test_expected_progress_is_the_elapsed_share_of_days():
    # 1 Jan .. 10 Jan is 10 days; by the end of 5 Jan half of them have passed.
    assert expected_progress(date(2025, 1, 1), date(2025, 1, 10), date(2025, 1, 5)) == 50


def test_expected_progress_before_start_and_after_deadline():
    start, deadline = date(2025, 3, 1), date(2025, 12, 31)
    assert expected_progress(start, deadline, date(2025, 2, 28)) == 0
    assert expected_progress(start, deadline, deadline) == 100
    assert expected_progress(start, deadline, date(2026, 6, 1)) == 100


def test_expected_progress_counts_across_a_month_boundary():
    # 31 Jan .. 1 Mar 2025: 30 days (no leap day); on 14 Feb 15 have passed.
    assert expected_progress(date(2025, 1, 31), date(2025, 3, 1), date(2025, 2, 14)) == 50


def test_expected_progress_counts_29_february_in_a_leap_year():
    # 2024: 1 Feb .. 1 Mar is 30 days with 29 Feb; 2025 the same dates span 29 days.
    assert expected_progress(date(2024, 2, 1), date(2024, 3, 1), date(2024, 2, 15)) == 50
    assert expected_progress(date(2025, 2, 1), date(2025, 3, 1), date(2025, 2, 15)) == 52
    # The whole leap year: 366 days; by 1 July 2024 183 have passed.
    assert expected_progress(date(2024, 1, 1), date(2024, 12, 31), date(2024, 7, 1)) == 50


def test_expected_progress_is_undefined_for_ongoing_or_unplanned_tasks():
    assert expected_progress(None, date(2025, 12, 31), date(2025, 6, 1)) is None
    assert expected_progress(date(2025, 1, 1), None, date(2025, 6, 1)) is None


# --- lights ---------------------------------------------------------------------------

TODAY = date(2025, 11, 20)


def _light(**changes) -> Light:
    state = dict(assigned=True, status=Status.ON_TRACK, progress=50, expected=50,
                 deadline=date(2026, 6, 30), report_missing=False)
    state.update(changes)
    return assess(TaskState(**state), TODAY).light


def test_lights_follow_the_design_rules():
    assert _light() is Light.GREEN
    assert _light(status=Status.COMPLETED, deadline=date(2025, 1, 1)) is Light.DONE
    assert _light(assigned=False) is Light.NONE
    assert _light(deadline=date(2025, 11, 19)) is Light.RED
    assert _light(status=Status.LAGGING) is Light.RED
    assert _light(progress=39, expected=50) is Light.YELLOW
    assert _light(progress=40, expected=50) is Light.GREEN
    assert _light(deadline=date(2025, 12, 20)) is Light.YELLOW
    assert _light(deadline=date(2025, 12, 21)) is Light.GREEN
    assert _light(report_missing=True) is Light.YELLOW


def test_overdue_assessment_names_the_days():
    result = assess(TaskState(True, Status.ON_TRACK, 80, 100, date(2025, 11, 10)), TODAY)
    assert result.light is Light.RED
    assert result.days_overdue == 10
    assert "已超期10天" in result.reasons


def test_light_thresholds_are_settings():
    state = TaskState(True, Status.ON_TRACK, 45, 50, date(2026, 6, 30))
    assert assess(state, TODAY).light is Light.GREEN
    assert assess(state, TODAY, LightRules(behind_points=3)).light is Light.YELLOW


# --- reporting cycles -------------------------------------------------------------------


def test_monthly_report_falls_due_on_the_due_day_of_the_next_month():
    before = latest_due_report(Cycle.MONTHLY, 5, date(2025, 11, 4))
    assert (str(before.first), before.due_on) == ("2025-09", date(2025, 10, 5))
    on_day = latest_due_report(Cycle.MONTHLY, 5, date(2025, 11, 5))
    assert (str(on_day.first), on_day.due_on) == ("2025-10", date(2025, 11, 5))


def test_quarterly_and_half_yearly_spans():
    quarter = latest_due_report(Cycle.QUARTERLY, 10, date(2025, 11, 20))
    assert (str(quarter.first), str(quarter.last), quarter.due_on) == ("2025-07", "2025-09", date(2025, 10, 10))
    half = latest_due_report(Cycle.HALF_YEARLY, 10, date(2025, 11, 20))
    assert (str(half.first), str(half.last)) == ("2025-01", "2025-06")
    january = latest_due_report(Cycle.QUARTERLY, 10, date(2026, 1, 15))
    assert (str(january.first), str(january.last)) == ("2025-10", "2025-12")


def test_due_day_is_clamped_to_short_months():
    report = latest_due_report(Cycle.MONTHLY, 31, date(2025, 3, 1))
    assert report.due_on == date(2025, 2, 28)


def test_missing_report_detection():
    due = latest_due_report(Cycle.MONTHLY, 5, TODAY)
    assert is_report_missing(due, [Period(2025, 9)])
    assert not is_report_missing(due, [Period(2025, 10)])
    assert latest_due_report(Cycle.MONTHLY, 5, TODAY, start=date(2025, 11, 1)) is None
    assert latest_due_report(None, None, TODAY) is None
    assert latest_due_report(Cycle.ONCE, None, TODAY, deadline=date(2025, 12, 31)) is None


# --- codes, dates, vocabulary ---------------------------------------------------------------


def test_codes_parse_and_sort_numerically():
    assert str(parse_code("１.２")) == "1.2"
    assert parse_code("4.1.3").level == "work_item"
    assert sorted(["1.10", "1.9", "1.1"], key=sort_key) == ["1.1", "1.9", "1.10"]
    with pytest.raises(ValidationError, match="格式不对"):
        parse_code("1.0")


@pytest.mark.parametrize("text", ["2025-12-31", "2025/12/31", "2025.12.31", "2025年12月31日", "２０２５-１２-３１"])
def test_dates_in_the_forms_people_type(text):
    assert parse_date(text) == date(2025, 12, 31)


def test_impossible_and_malformed_dates_are_refused_in_chinese():
    with pytest.raises(ValidationError, match="不存在"):
        parse_date("2025-02-30")
    with pytest.raises(ValidationError, match="不存在"):
        parse_date("2025-02-29")
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    with pytest.raises(ValidationError, match="格式不对"):
        parse_date("明年")


def test_deadline_accepts_ongoing():
    assert parse_deadline("长期").ongoing
    assert str(parse_deadline("长期")) == "长期"
    assert parse_deadline("2026-06-30").on == date(2026, 6, 30)


def test_periods():
    assert parse_period("2025年6月") == Period(2025, 6)
    assert str(Period(2025, 1).shifted(-1)) == "2024-12"
    with pytest.raises(ValidationError, match="1 到 12"):
        parse_period("2025-13")


def test_statuses_and_cycles_accept_chinese_names():
    assert parse_status("进度滞后") is Status.LAGGING
    assert parse_status("completed") is Status.COMPLETED
    assert parse_cycle("季度") is Cycle.QUARTERLY
    with pytest.raises(ValidationError, match="可选：未启动、正常推进"):
        parse_status("差不多")


# --- roll-up of work items into their measure ------------------------------------------------


def test_rollup_of_work_items():
    from zzdesk.domain.rollup import rollup

    assert rollup([(None, None), (None, None)]) == (None, None)
    assert rollup([(Status.COMPLETED, 100), (Status.COMPLETED, 100)]) == (Status.COMPLETED, 100)
    assert rollup([(Status.COMPLETED, 100), (None, None)]) == (Status.ON_TRACK, 50)
    assert rollup([(Status.ON_TRACK, 60), (Status.LAGGING, 20)]) == (Status.LAGGING, 40)
    assert rollup([(Status.ONGOING, 70), (Status.ONGOING, 50)]) == (Status.ONGOING, 60)
    assert rollup([(Status.NOT_STARTED, 0), (None, None)]) == (Status.NOT_STARTED, 0)


def test_default_period_is_the_month_whose_report_falls_due_next():
    from zzdesk.domain.reporting import default_period

    assert str(default_period(Cycle.MONTHLY, 5, date(2025, 12, 3))) == "2025-11"
    assert str(default_period(Cycle.MONTHLY, 5, date(2025, 12, 5))) == "2025-11"
    assert str(default_period(Cycle.MONTHLY, 5, date(2025, 12, 6))) == "2025-12"
    assert str(default_period(None, None, date(2026, 1, 2))) == "2025-12"
    assert str(default_period(Cycle.QUARTERLY, 10, date(2025, 10, 8))) == "2025-09"
    assert str(default_period(Cycle.QUARTERLY, 10, date(2025, 11, 8))) == "2025-11"
    assert str(default_period(Cycle.ONCE, 5, date(2025, 12, 3))) == "2025-12"


def test_a_report_made_before_the_due_day_with_the_default_period_is_not_missing():
    from zzdesk.domain.reporting import default_period

    today = date(2025, 12, 4)
    period = default_period(Cycle.MONTHLY, 5, today)
    assert not is_report_missing(latest_due_report(Cycle.MONTHLY, 5, date(2025, 12, 6)), [period])
