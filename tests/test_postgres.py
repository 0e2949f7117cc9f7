"""The same store and services on a PostgreSQL server (an office with many desktops).

Needs a server: set ZZDESK_TEST_POSTGRES_URL to an account that may create databases, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test`` (without it these tests skip, saying so). Every other test
that uses a database runs on PostgreSQL too (``tests/conftest.py``); these check what only a side-by-side shows.
"""

import time
import uuid

import pytest
from sqlalchemy import text

from conftest import make_context
from postgres_server import PostgresServer
from zzdesk.domain.dates import Deadline, parse_date
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Light, Status
from zzdesk.services import assignments, demo, ledger, maintenance, plan, updates
from zzdesk.store import migrations
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target


@pytest.fixture
def pg_url(postgres_server: PostgresServer) -> str:
    """An empty database: the migrations themselves run on it."""
    return postgres_server.empty_database()


def test_migrations_services_and_lights_on_postgresql(pg_url: str):
    database = open_database(resolve_target(pg_url))
    try:
        with database.engine.connect() as connection:
            assert migrations.current_revision(connection) == migrations.head_revision()
        ctx = make_context(database)
        result = plan.init_database(ctx)
        assert (result.groups, result.measures) == (8, 33)

        assignments.assign(ctx, "1.1", assignments.AssignmentChange(
            lead="市发展改革委", co=["市财政局"], leader="张三（副市长）", start=parse_date("2025-01-01"),
            deadline=Deadline(parse_date("2025-11-01"))))
        updates.log_update(ctx, "1.1", updates.UpdateInput(status=Status.ON_TRACK, progress=80, text="推进中"))
        view = ledger.task_view(ctx, "1.1")
        assert (view.lead, view.co, view.progress, view.light) == ("市发展改革委", ("市财政局",), 80, Light.RED)

        with pytest.raises(ValidationError, match="不能同时列为配合单位"):
            assignments.assign(ctx, "1.1", assignments.AssignmentChange(co=["市发展改革委"]))
        assert ledger.task_view(ctx, "1.1").co == ("市财政局",)
        assert maintenance.check(ctx).ok
    finally:
        database.close()


def test_demo_database_on_postgresql_matches_sqlite(pg_url: str, tmp_path):
    pg = open_database(resolve_target(pg_url))
    database = open_database(resolve_target(str(tmp_path / "same.sqlite3")))
    try:
        on_pg, on_sqlite = make_context(pg), make_context(database)
        for ctx in (on_pg, on_sqlite):
            plan.init_database(ctx)
            demo.populate_demo(ctx)
        assert ledger.plan_view(on_pg) == ledger.plan_view(on_sqlite)
    finally:
        pg.close()
        database.close()


def test_a_killed_sessions_databases_are_dropped_by_a_later_session(postgres_server: PostgresServer):
    from postgres_server import STALE_AFTER_S

    now = int(time.time())
    old = f"zzdesk_test_{now - STALE_AFTER_S - 60}_{uuid.uuid4().hex[:8]}_1"
    recent = f"zzdesk_test_{now - 60}_{uuid.uuid4().hex[:8]}_1"
    for name in (old, recent):
        postgres_server._execute(f'CREATE DATABASE "{name}"')
    try:
        dropped = postgres_server.drop_stale(now)
        with postgres_server._admin.connect() as connection:
            left = {name for (name,) in connection.execute(text("SELECT datname FROM pg_database"))}
        assert old in dropped and old not in left
        assert recent in left and postgres_server.prefix.startswith("zzdesk_test_")
        assert not any(name.startswith(postgres_server.prefix) for name in dropped)
    finally:
        for name in (old, recent):
            postgres_server._execute(f'DROP DATABASE IF EXISTS "{name}"')
