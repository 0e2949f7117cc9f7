"""Fresh PostgreSQL databases for tests: one migrated template per test session, one clone of it per test.

Cloning a template (``CREATE DATABASE … TEMPLATE``) takes a few tens of milliseconds, so every test starts from
an empty, migrated database exactly as ``open_database`` leaves a new one, and nothing leaks between tests. Every
database the session created is dropped at its end; a session that was killed leaves its databases behind, so each
new session drops those of sessions that started more than ``STALE_AFTER_S`` ago (their names carry the start time).
"""

import os
import re
import time
import uuid

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from zzdesk.store.database import open_database
from zzdesk.store.engine import resolve_target

POSTGRES_URL = os.environ.get("ZZDESK_TEST_POSTGRES_URL", "")
STALE_AFTER_S = 6 * 3600  # far longer than any test session, so a running one is never touched
_SESSION_NAME = re.compile(r"^zzdesk_test_(\d{10})_[0-9a-f]{8}_")


class PostgresServer:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.prefix = f"zzdesk_test_{int(time.time())}_{uuid.uuid4().hex[:8]}"
        self._admin: Engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self._created: list[str] = []
        self._count = 0
        self._template: str | None = None
        self.drop_stale()

    def drop_stale(self, now: float | None = None) -> list[str]:
        """Drop the databases of test sessions that started more than ``STALE_AFTER_S`` ago (killed runs)."""
        cutoff = (time.time() if now is None else now) - STALE_AFTER_S
        with self._admin.connect() as connection:
            names = connection.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'zzdesk_test_%'"))
            stale = [name for (name,) in names if (found := _SESSION_NAME.match(name)) and int(found[1]) < cutoff]
        for name in stale:
            self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return stale

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
