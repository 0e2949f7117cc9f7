"""What every service call needs: the open database, who is acting, and the clock.

Passed in explicitly (no global), so tests can fix the date and the GUI can run work on a worker.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from zzdesk.store.database import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    database: Database
    actor: str
    today: Callable[[], date] = date.today
    now: Callable[[], datetime] = _utc_now

    @property
    def engine(self) -> Engine:
        return self.database.engine
