"""A measure split into work items takes its status and progress from them until it is reported on itself."""

from collections.abc import Sequence

from zzdesk.domain.vocabulary import Status


def rollup(children: Sequence[tuple[Status | None, int | None]]) -> tuple[Status | None, int | None]:
    """Average progress (unreported items count as 0) and the most telling status of the items."""
    statuses = [status for status, _ in children if status is not None]
    if not statuses:
        return None, None
    progress = round(sum(p or 0 for _, p in children) / len(children))
    if len(statuses) == len(children) and all(s is Status.COMPLETED for s in statuses):
        return Status.COMPLETED, 100
    if Status.LAGGING in statuses:
        return Status.LAGGING, progress
    if all(s is Status.ONGOING for s in statuses):
        return Status.ONGOING, progress
    if any(s in (Status.ON_TRACK, Status.ONGOING, Status.COMPLETED) for s in statuses):
        return Status.ON_TRACK, progress
    return Status.NOT_STARTED, progress
