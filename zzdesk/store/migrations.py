"""Schema migrations with Alembic, configured in code (no alembic.ini to be read in a GBK locale).

Run as ``python -m zzdesk.store.migrations new "message"`` to autogenerate a revision during development.
"""

import sys

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from zzdesk.locations import migrations_dir


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the migrations folder has no revision"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in script_directory().walk_revisions()}


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade in one transaction (SQLite and PostgreSQL both have transactional DDL)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def _autogenerate(message: str, url: str) -> None:
    command.revision(alembic_config(url=url), message=message, autogenerate=True)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "new":
        print("usage: python -m zzdesk.store.migrations new MESSAGE SQLALCHEMY_URL_AT_HEAD")
        sys.exit(2)
    _autogenerate(sys.argv[2], sys.argv[3])
