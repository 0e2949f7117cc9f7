"""The schema revision this version of zzdesk writes, known without loading Alembic.

Opening a database already at this revision (every start but the first after an upgrade) then needs no migration
machinery: Alembic and its script folder load only when there is something to migrate, which keeps them out of the
program's start-up. ``tests/test_store.py`` checks that this is the newest script in ``db/migrations/versions``.
"""

from sqlalchemy import Connection, text

HEAD_REVISION = "0005_accounts_audit_chain"


def stored_revision(connection: Connection, tables: set[str]) -> str | None:
    """The revision recorded in the database (Alembic's ``alembic_version`` table), None for a new database."""
    if "alembic_version" not in tables:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
