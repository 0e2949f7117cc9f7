"""Shared fixtures: a fresh database per test, opened exactly as the app opens one, with a fixed clock."""

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from zzdesk.services import plan
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import Database, open_database
from zzdesk.store.engine import resolve_target

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # GUI tests draw offscreen, before any QApplication

TODAY = date(2025, 11, 20)
SEED_PLAN = Path(__file__).resolve().parents[1] / "resources" / "plan" / "zhengzhou-14th-fyp-midterm-review.txt"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the real user data folder or database from a test."""
    monkeypatch.setenv("ZZDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("ZZDESK_DB", raising=False)
    monkeypatch.setenv("ZZDESK_USER", "测试员")


@pytest.fixture
def demo_clerk(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLI commands on an ``init --demo`` database log in as the demo's clerk (README「账号与登录」)."""
    from zzdesk.domain.roles import Role
    from zzdesk.services.demo import DEMO_ACCOUNTS

    clerk = next(account for account in DEMO_ACCOUNTS if account.role is Role.CLERK)
    monkeypatch.setenv("ZZDESK_USER", clerk.name)
    monkeypatch.setenv("ZZDESK_PASSWORD", clerk.password)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite3"


@pytest.fixture
def database(db_path: Path) -> Iterator[Database]:
    db = open_database(resolve_target(str(db_path)))
    yield db
    db.close()


def make_context(database: Database, today: date = TODAY, actor: str = "测试员") -> ServiceContext:
    return ServiceContext(database=database, actor=actor, today=lambda: today,
                          now=lambda: datetime.combine(today, datetime.min.time(), UTC).replace(hour=9))


@pytest.fixture
def ctx(database: Database) -> ServiceContext:
    """A database with the bundled plan and departments loaded, nothing assigned."""
    context = make_context(database)
    plan.init_database(context)
    return context
