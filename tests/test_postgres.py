"""The same store and services on a PostgreSQL server (an office with many desktops).

Needs a server: set ZZDESK_TEST_POSTGRES_URL to an account that may create databases, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``. Each test session creates and drops its own database.
"""

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from conftest import make_context
from zzdesk.domain.dates import Deadline, parse_date
from zzdesk.domain.errors import ValidationError
from zzdesk.domain.vocabulary import Light, Status
from zzdesk.services import assignments, demo, ledger, maintenance, plan, updates
from zzdesk.store import migrations
from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

ADMIN_URL = os.environ.get("ZZDESK_TEST_POSTGRES_URL", "")

pytestmark = pytest.mark.skipif(not ADMIN_URL, reason="no PostgreSQL server configured: set ZZDESK_TEST_POSTGRES_URL "
                                                     "(CI sets it to the server at 127.0.0.1:5432)")


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"zzdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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


def test_demo_database_on_postgresql_matches_sqlite(pg_url: str, database):
    pg = open_database(resolve_target(pg_url))
    try:
        on_pg, on_sqlite = make_context(pg), make_context(database)
        for ctx in (on_pg, on_sqlite):
            plan.init_database(ctx)
            demo.populate_demo(ctx)
        assert ledger.plan_view(on_pg) == ledger.plan_view(on_sqlite)
    finally:
        pg.close()
