"""Shared fixtures: a fresh database per test, opened exactly as the app opens one, with a fixed clock.

Every test that uses the ``database`` fixture (or ``ctx``, built on it) runs twice: on an SQLite file and on a
PostgreSQL server (``[sqlite]`` / ``[postgresql]`` in its name). Tests about the SQLite file itself ask for
``db_path`` or carry ``@pytest.mark.sqlite_only`` and run once. The server comes from ZZDESK_TEST_POSTGRES_URL
(``tests/postgres_server.py``); without it the PostgreSQL runs skip with the reason.
"""

import os
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from postgres_server import POSTGRES_URL, PostgresServer
from zzdesk.services import plan
from zzdesk.services.context import ServiceContext
from zzdesk.store.database import Database, open_database
from zzdesk.store.engine import resolve_target

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings

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


BACKENDS = ("sqlite", "postgresql")
SQLITE_FILE = "ledger.sqlite3"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about the SQLite file; runs once, on SQLite")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run every database test on both engines, unless it is about the SQLite file (asks for ``db_path``)."""
    if "backend" not in metafunc.fixturenames or "db_path" in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        return
    metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL server configured: set ZZDESK_TEST_POSTGRES_URL "
                    "(CI sets it to the server at 127.0.0.1:5432)")
    server = PostgresServer(POSTGRES_URL)
    yield server
    server.drop_all()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def db_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """What ``--db`` would be given: an SQLite file in the test's folder, or a fresh PostgreSQL database."""
    if backend == "sqlite":
        yield str(tmp_path / SQLITE_FILE)
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.fresh_database()
    yield url
    server.drop(url)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """The SQLite file itself, for tests about the file (backups, damage, locks): they run on SQLite only."""
    return tmp_path / SQLITE_FILE


@pytest.fixture
def database(db_target: str) -> Iterator[Database]:
    db = open_database(resolve_target(db_target))
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


@pytest.fixture
def demo_ctx(ctx: ServiceContext) -> ServiceContext:
    """``ctx`` with the demo ledger (``populate_demo``): assignments and updates to look at."""
    from zzdesk.services import demo

    demo.populate_demo(ctx)
    return ctx


@pytest.fixture
def settings(tmp_path: Path) -> "QSettings":
    """The GUI's settings in the test's folder, with the application the dialogs need (PySide6 loaded only here)."""
    from PySide6.QtCore import QSettings

    from zzdesk.ui.app import create_application

    create_application()
    return QSettings(str(tmp_path / "gui.ini"), QSettings.Format.IniFormat)
