"""Reading cells as people fill them in Excel/WPS: 进度, 日期, 状态 and blank rows, with the messages they see."""

from datetime import date, datetime

import pytest

from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Status
from zzdesk.exchange.cell_values import (
    clean_text,
    is_blank_row,
    parse_date_cell,
    parse_progress_cell,
    parse_status_cell,
    to_halfwidth,
)

# --- to_halfwidth / clean_text --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "expected"), [
    ("８０％", "80%"),
    ("２０２５－１２／３１", "2025-12/31"),
    ("２０２５．１２", "2025.12"),
    ("ＡＢｃ１", "ABc1"),
    ("进度\u3000８０", "进度 80"),
    ("正常推进", "正常推进"),  # Chinese text is left alone
])
def test_to_halfwidth_turns_full_width_ascii_into_ascii(typed: str, expected: str) -> None:
    assert to_halfwidth(typed) == expected


def test_clean_text_is_unchanged_by_the_parsers() -> None:
    # Its output feeds the 报送表 fingerprint: the same cell must keep giving the same text.
    assert clean_text(None) == ""
    assert clean_text("  第一行_x000D_\r\n\r\n\u3000第二行\t ") == "第一行\n第二行"
    assert clean_text(80) == "80"


# --- 进度 -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    (80, 80), ("80", 80), ("80%", 80), ("８０％", 80), (" 80 ", 80), ("80 %", 80), (80.0, 80), ("80.0", 80),
    (0, 0), ("0", 0), (100, 100), ("100%", 100), (1, 1), ("1", 1),
    (0.8, 80), ("0.8", 80), ("０．８", 80), (0.29, 29),  # 0.29 * 100 is 28.999999999999996 in floating point
    (None, None), ("", None), ("   ", None), ("\u3000", None),
])
def test_progress_cells_people_type(cell: object, expected: int | None) -> None:
    assert parse_progress_cell(cell) == expected


@pytest.mark.parametrize(("cell", "expected"), [(0.8, 80), (1, 100), (1.0, 100), (0, 0), (0.05, 5)])
def test_progress_in_a_percent_formatted_cell_is_a_fraction(cell: object, expected: int) -> None:
    # Typing 80 into a cell formatted as % stores 0.8; 1 shows as 100%.
    assert parse_progress_cell(cell, percent_format=True) == expected


@pytest.mark.parametrize(("cell", "percent_format", "words"), [
    ("80.5", False, ["80.5", "0 到 100 之间的整数"]),
    (80.5, False, ["80.5", "整数"]),
    (0.805, True, ["80.5%", "整数"]),
    (120, False, ["120", "超出范围"]),
    ("120%", False, ["120", "超出范围"]),
    (-5, False, ["-5", "超出范围"]),
    ("-5", False, ["-5", "超出范围"]),
    (80, True, ["8000%", "超出范围"]),  # what the user sees in a % cell holding 80
    ("八十", False, ["八十", "不是数字"]),
    ("约80", False, ["约80", "不是数字"]),
    ("80分", False, ["80分", "不是数字"]),
    (True, False, ["进度应为 0 到 100 之间的整数"]),
    (False, False, ["进度应为 0 到 100 之间的整数"]),
    (float("nan"), False, ["整数"]),
    (date(2025, 1, 1), False, ["不是数字"]),
])
def test_progress_refusals_name_the_value_and_the_rule(cell: object, percent_format: bool, words: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_progress_cell(cell, percent_format)
    for word in words:
        assert word in caught.value.message
    assert caught.value.message.startswith("进度")


# --- 日期 -------------------------------------------------------------------------------------------------------------

END = date(2025, 12, 31)


@pytest.mark.parametrize(("cell", "expected"), [
    (datetime(2025, 12, 31, 0, 0), END), (datetime(2025, 12, 31, 17, 30), END), (END, END),
    (46022, END), (46022.0, END), (46022.75, END),  # Excel serials (a time of day is dropped)
    (45658, date(2025, 1, 1)),
    ("2025-12-31", END), ("2025/12/31", END), ("2025.12.31", END), ("2025年12月31日", END), ("2025年12月31号", END),
    ("20251231", END), (20251231, END), ("２０２５－１２－３１", END), ("２０２５年１２月３１日", END),
    (" 2025 年 12 月 31 日 ", END), ("2025 - 12 - 31", END), ("2025-12-31 00:00:00", END),
    ("2025/1/5", date(2025, 1, 5)), ("2024-02-29", date(2024, 2, 29)),
    (None, None), ("", None), ("  ", None),
])
def test_date_cells_people_type(cell: object, expected: date | None) -> None:
    assert parse_date_cell(cell) == expected


@pytest.mark.parametrize(("cell", "end", "start"), [
    ("2025-12", date(2025, 12, 31), date(2025, 12, 1)),
    ("2025/12", date(2025, 12, 31), date(2025, 12, 1)),
    ("2025.12", date(2025, 12, 31), date(2025, 12, 1)),
    ("2025年12月", date(2025, 12, 31), date(2025, 12, 1)),
    ("２０２５年６月", date(2025, 6, 30), date(2025, 6, 1)),
    ("2025-02", date(2025, 2, 28), date(2025, 2, 1)),
    ("2024-02", date(2024, 2, 29), date(2024, 2, 1)),  # leap year
])
def test_a_month_alone_means_its_last_or_first_day(cell: str, end: date, start: date) -> None:
    assert parse_date_cell(cell) == end
    assert parse_date_cell(cell, month_end=True) == end
    assert parse_date_cell(cell, month_end=False) == start


@pytest.mark.parametrize(("cell", "words"), [
    ("2025-02-30", ["2025-02-30", "不存在", "2 月没有 30 日"]),
    ("2025-04-31", ["2025-04-31", "不存在"]),
    ("2025-02-29", ["2025-02-29", "不存在"]),  # not a leap year
    ("20250230", ["20250230", "不存在"]),
    ("2025-13-01", ["2025-13-01", "不存在", "月份应在 1 到 12 之间"]),
    ("2025-13", ["2025-13", "月份应在 1 到 12 之间"]),
    ("2025年0月", ["月份应在 1 到 12 之间"]),
    ("1800-01-01", ["1800-01-01", "年份"]),
])
def test_impossible_dates_are_refused_saying_why(cell: str, words: list[str]) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date_cell(cell)
    for word in words:
        assert word in caught.value.message


@pytest.mark.parametrize("cell", ["下月底", "12/31/2025", "31.12.2025", "2025", "年底前", "2025-12-31至2026-01-31",
                                  12345, 3.5, True])
def test_unrecognised_dates_list_the_accepted_forms(cell: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date_cell(cell)
    message = caught.value.message
    assert "无法识别" in message
    assert str(cell) in message or f"{cell:g}" in message
    for form in ("2025-12-31", "2025/12/31", "2025年12月31日", "2025-12"):
        assert form in message
    assert "月底" in message


def test_unrecognised_date_message_says_month_start_when_asked() -> None:
    with pytest.raises(ValidationError, match="月初"):
        parse_date_cell("明年", month_end=False)


# --- 状态 -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "expected"), [
    ("未启动", Status.NOT_STARTED), ("正常推进", Status.ON_TRACK), ("进度滞后", Status.LAGGING),
    ("已完成", Status.COMPLETED), ("持续推进", Status.ONGOING),
    (" 正常推进 ", Status.ON_TRACK), ("正常 推进", Status.ON_TRACK), ("已\u3000完成", Status.COMPLETED),
    ("进度滞后\n", Status.LAGGING), ("on_track", Status.ON_TRACK), ("Completed", Status.COMPLETED),
    (None, None), ("", None), ("  ", None),
])
def test_status_cells(cell: object, expected: Status | None) -> None:
    assert parse_status_cell(cell) == expected


@pytest.mark.parametrize("cell", ["正常", "完成了", "滞后 ", 1])
def test_unknown_status_is_refused_with_the_allowed_list(cell: object) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_status_cell(cell)
    message = caught.value.message
    assert f"“{str(cell).strip()}”" in message
    assert "未启动、正常推进、进度滞后、已完成、持续推进" in message


# --- blank rows -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("row", "blank"), [
    ([], True),
    ([None, None], True),
    ([None, "", "  ", "\u3000", "\n", "_x000D_"], True),
    ((value for value in (None, " ")), True),  # any iterable, as openpyxl's values_only rows are
    ([None, 0], False),
    ([None, "x"], False),
    ([False], False),
    ([None, date(2025, 1, 1)], False),
])
def test_is_blank_row(row: object, blank: bool) -> None:
    assert is_blank_row(row) is blank
