"""Office-wide settings (light thresholds and the like), shared by every desktop on the database.

Revision ID: 0002_office_settings
Revises: 0001_initial
Create Date: 2026-11-25 14:15:56.432178
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel  # noqa: F401  (autogenerate may render sqlmodel types)
from alembic import op

revision: str = '0002_office_settings'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('office_setting',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_office_setting'))
    )


def downgrade() -> None:
    op.drop_table('office_setting')
