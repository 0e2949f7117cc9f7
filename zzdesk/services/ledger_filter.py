"""The ledger's filter bar: which rows a clerk sees, shared by the GUI's proxy model and the CLI.

A filter changes on every keystroke and is then asked about every row (up to ~100,000), so whatever
depends on the filter alone is worked out once per filter and a row costs a few comparisons and
substring tests. All criteria must hold (AND); a criterion left at its default does not filter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from zzdesk.domain.codes import parse_code
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.search_text import fold
from zzdesk.domain.vocabulary import Light, Status

if TYPE_CHECKING:
    from zzdesk.services.views import TaskView

_Check = Callable[["TaskView", date], bool]


@dataclass(frozen=True)
class LedgerFilter:
    """What the filter bar holds. Codes are normalised on construction (``１．２`` → ``1.2``).

    ``measure`` selects a measure with its work items; derive a changed filter with ``dataclasses.replace``
    (``__dict__`` also holds the cached checks once the filter has been used)."""

    text: str = ""
    department: str | None = None
    statuses: frozenset[Status] = frozenset()
    lights: frozenset[Light] = frozenset()
    group: str | None = None
    measure: str | None = None
    due_within_days: int | None = None
    overdue_only: bool = False
    report_missing_only: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "department", (self.department or "").strip() or None)
        object.__setattr__(self, "statuses", frozenset(self.statuses))
        object.__setattr__(self, "lights", frozenset(self.lights))
        object.__setattr__(self, "group", _code(self.group, ("group",), "任务组编号（如 1）"))
        # A work item's code is taken too (the navigation tree selects items the same way as measures).
        object.__setattr__(self, "measure", _code(self.measure, ("measure", "work_item"),
                                                  "举措或具体任务编号（如 1.2 或 1.2.3）"))
        if self.due_within_days is not None and self.due_within_days < 0:
            raise ValidationError(f"“{self.due_within_days}天内到期”不对：天数不能为负数")

    def is_empty(self) -> bool:
        """True when every row passes, so the GUI can skip filtering and show the filter bar as clear."""
        return self._accepts is None

    @cached_property
    def _accepts(self) -> _Check | None:
        """The row test, built once per filter; None when every row passes.

        One test per criterion in use, cheapest first (the free text comes last), joined by plain loops:
        generator expressions per row would double the cost."""
        checks: list[_Check] = []
        if self.statuses:
            statuses = self.statuses
            checks.append(lambda task, today: task.status in statuses)
        if self.lights:
            lights = self.lights
            checks.append(lambda task, today: task.light in lights)
        if self.department is not None:
            department = self.department
            checks.append(lambda task, today: task.lead == department or department in task.co)
        for code in (self.group, self.measure):
            if code is not None:
                checks.append(_within(code))
        if self.overdue_only:
            checks.append(_overdue)
        if self.due_within_days is not None:
            checks.append(_due_within(self.due_within_days))
        if self.report_missing_only:
            checks.append(lambda task, today: task.report_missing)
        words = tuple(dict.fromkeys(fold(self.text).split()))
        if words:
            checks.append(_text_check(words))
        if not checks:
            return None
        if len(checks) == 1:
            return checks[0]

        def accepts(task: TaskView, today: date) -> bool:
            for check in checks:  # noqa: SIM110
                if not check(task, today):
                    return False
            return True

        return accepts


def matches(task: TaskView, flt: LedgerFilter, today: date) -> bool:
    accepts = flt._accepts
    return accepts is None or accepts(task, today)


def filter_tasks(tasks: Iterable[TaskView], flt: LedgerFilter, today: date) -> list[TaskView]:
    """The rows that pass, in the order given."""
    accepts = flt._accepts
    if accepts is None:
        return list(tasks)
    return [task for task in tasks if accepts(task, today)]


def _code(text: str | None, levels: tuple[str, ...], expected: str) -> str | None:
    if text is None or not text.strip():
        return None
    code = parse_code(text)
    if code.level not in levels:
        raise ValidationError(f"“{text}”不是{expected}")
    return str(code)


def _within(code: str) -> _Check:
    """The task itself and everything under it: group 1 holds 1.2 and 1.2.3, but not 10.1."""
    prefix = code + "."
    return lambda task, today: task.code == code or task.code.startswith(prefix)


def _overdue(task: TaskView, today: date) -> bool:
    """Past the deadline and not completed (completed tasks are never overdue, as in the lights).

    By date rather than ``days_overdue``: a task without a lead is overdue too, though its light is 未分配."""
    deadline = task.deadline
    return deadline is not None and deadline < today and task.status is not Status.COMPLETED


def _due_within(days: int) -> _Check:
    def check(task: TaskView, today: date) -> bool:
        deadline = task.deadline
        return (deadline is not None and 0 <= (deadline - today).days <= days
                and task.status is not Status.COMPLETED)

    return check


def _text_check(words: tuple[str, ...]) -> _Check:
    """Every word somewhere in the row's searchable fields (folded once per row, see TaskView.search_text)."""
    if len(words) == 1:
        (word,) = words
        return lambda task, today: word in task.search_text

    def check(task: TaskView, today: date) -> bool:
        text = task.search_text
        for word in words:  # noqa: SIM110  (a plain loop beats all() over a generator, row after row)
            if word not in text:
                return False
        return True

    return check
