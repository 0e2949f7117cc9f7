"""督查通报期号 and the archive of generated reports (bulletins, department sheets, urging notices, briefs).

Revision ID: 0004_report_archive
Revises: 0003_attachments
Create Date: 2026-11-25 16:00:55.040770
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004_report_archive'
down_revision: str | None = '0003_attachments'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bulletin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bulletin')),
    sa.UniqueConstraint('period', name=op.f('uq_bulletin_period')),
    sa.UniqueConstraint('year', 'number', name='uq_bulletin_year_number')
    )
    op.create_table('report_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('bulletin_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('period', sa.String(length=7), nullable=True),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('generated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('generated_by', sa.String(length=100), nullable=False),
    sa.Column('file_name', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('items', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['bulletin_id'], ['bulletin.id'], name=op.f('fk_report_record_bulletin_id_bulletin')),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_report_record_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_record'))
    )
    with op.batch_alter_table('report_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_record_bulletin_id'), ['bulletin_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_record_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_record_kind'), ['kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_record_kind'))
        batch_op.drop_index(batch_op.f('ix_report_record_department_id'))
        batch_op.drop_index(batch_op.f('ix_report_record_bulletin_id'))

    op.drop_table('report_record')
    op.drop_table('bulletin')
