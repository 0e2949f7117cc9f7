"""序时进度: the progress a task should have reached by today if work went evenly from start to deadline."""

from datetime import date


def expected_progress(start: date | None, deadline: date | None, today: date) -> int | None:
    """Percent of the start..deadline span (both days counted) that has elapsed by ``today``.

    Undefined (None) without a start or a deadline: ongoing (长期) tasks have no time-proportional target.
    Counting days, not months, keeps month boundaries and 29 February exact.
    """
    if start is None or deadline is None or deadline < start:
        return None
    if today < start:
        return 0
    if today >= deadline:
        return 100
    total_days = (deadline - start).days + 1
    elapsed_days = (today - start).days + 1
    return min(100, (elapsed_days * 100 + total_days // 2) // total_days)
