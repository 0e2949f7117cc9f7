"""Fresh PostgreSQL databases for tests: one migrated template per test session, one clone of it per test.

Cloning a template (``CREATE DATABASE … TEMPLATE``) takes a few tens of milliseconds, so every test starts from
an empty, migrated database exactly as ``open_database`` leaves a new one, and nothing leaks between tests. Every
database the session created is dropped at its end.
"""

import os
import uuid

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

POSTGRES_URL = os.environ.get("ZZDESK_TEST_POSTGRES_URL", "")


class PostgresServer:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"zzdesk_test_{uuid.uuid4().hex[:8]}"
        self._admin: Engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self._created: list[str] = []
        self._count = 0
        self._template: str | None = None

    def url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(sql))

    def empty_database(self) -> str:
        """A new database with nothing in it (not even the schema): for tests of migrations themselves."""
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        self._execute(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        # Tests do not need each commit flushed to disk before the next statement; durability is SQLite's tests' job.
        self._execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        return self.url(name)

    def fresh_database(self) -> str:
        """A new database migrated to the latest schema, as the app's first open leaves it."""
        if self._template is None:
            url = self.empty_database()
            open_database(resolve_target(url)).close()
            self._template = make_url(url).database
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        self._created.append(name)
        self._execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
        return self.url(name)

    def copy_of(self, url: str) -> str:
        """A new database holding what ``url`` holds now (nobody may be connected to ``url`` meanwhile)."""
        self._count += 1
        name = f"{self.prefix}_{self._count}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"')
        self._created.append(name)
        return self.url(name)

    def reset_to(self, url: str, copy: str) -> None:
        """Put ``url`` back to what ``copy`` holds: dropped and cloned again, under the same name."""
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(copy).database}"')
        self._execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')

    def drop(self, url: str) -> None:
        name = make_url(url).database
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self._created:
            self._created.remove(name)

    def drop_all(self) -> None:
        for name in list(self._created):
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._created.clear()
        self._admin.dispose()
