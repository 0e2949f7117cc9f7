"""What every service call needs: the open database, who is acting, and the clock.

Passed in explicitly (no global), so tests can fix the date and the GUI can run work on a worker.
``user`` is the logged-in person whose role the services check; ``None`` is the program itself (creating a
database, loading the plan or the demo), never a person: the GUI and the CLI always log someone in first.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from zzdesk.domain.roles import CurrentUser
from zzdesk.store.database import Database


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    database: Database
    actor: str
    today: Callable[[], date] = date.today
    now: Callable[[], datetime] = _utc_now
    user: CurrentUser | None = None

    @property
    def engine(self) -> Engine:
        return self.database.engine
