"""Persistence: SQLModel tables, the engine with its pragmas, migrations, sessions and backups."""
