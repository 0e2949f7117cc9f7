"""Accounts, the audit hash chain with append-only triggers, version columns, deadline extensions and closing.

Existing audit rows are chained in id order before the triggers that forbid changing them are created.

Revision ID: 0005_accounts_audit_chain
Revises: 0004_report_archive
Create Date: 2026-11-25 16:48:25.798011
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0005_accounts_audit_chain'
down_revision: str | None = '0004_report_archive'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('last_id', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_head'))
    )
    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('must_change_password', sa.Boolean(), nullable=False),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('password_changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['department.id'], name=op.f('fk_user_account_department_id_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('name', name=op.f('uq_user_account_name'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_department_id'), ['department_id'], unique=False)

    op.create_table('extension_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('old_deadline', sa.Date(), nullable=True),
    sa.Column('new_deadline', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=100), nullable=False),
    sa.Column('requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('decided_by', sa.String(length=100), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['task.id'], name=op.f('fk_extension_request_task_id_task'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_extension_request'))
    )
    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_extension_request_task_id'), ['task_id'], unique=False)

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('row_hash', sa.String(length=64), server_default='', nullable=False))

    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version_id', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('original_deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('version_id', sa.Integer(), server_default='1', nullable=False))

    _chain_existing_rows()
    _forbid_audit_changes()


def _chain_existing_rows() -> None:
    from zzdesk.domain.audit_chain import GENESIS, ChainedRow, row_hash

    bind = op.get_bind()
    audit = sa.table('audit_entry', sa.column('id', sa.Integer), sa.column('at', sqlmodel.sql.sqltypes.UTCDateTime),
                     sa.column('actor'), sa.column('action'), sa.column('entity'), sa.column('entity_key'),
                     sa.column('changes'), sa.column('outcome'), sa.column('prev_hash'), sa.column('row_hash'))
    previous, last_id = GENESIS, 0
    for row in bind.execute(sa.select(audit).order_by(audit.c.id)).mappings().all():
        chained = ChainedRow(id=row['id'], at=row['at'], actor=row['actor'], action=row['action'],
                             entity=row['entity'], entity_key=row['entity_key'], changes=row['changes'],
                             outcome=row['outcome'], prev_hash=previous)
        previous, last_id = row_hash(chained), row['id']
        bind.execute(audit.update().where(audit.c.id == row['id']).values(prev_hash=chained.prev_hash,
                                                                           row_hash=previous))
    head = sa.table('audit_head', sa.column('id', sa.Integer), sa.column('last_id', sa.Integer),
                    sa.column('last_hash'))
    bind.execute(head.insert().values(id=1, last_id=last_id, last_hash=previous))


def _forbid_audit_changes() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for event in ('UPDATE', 'DELETE'):
            op.execute(f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                       "BEGIN SELECT RAISE(ABORT, 'audit rows are append-only'); END")
        return
    op.execute("CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               "$$ BEGIN RAISE EXCEPTION 'audit rows are append-only'; END $$")
    op.execute("CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
               "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")


def _allow_audit_changes() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        return
    op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
    op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")


def downgrade() -> None:
    _allow_audit_changes()
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.drop_column('version_id')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('original_deadline')

    with op.batch_alter_table('status_update', schema=None) as batch_op:
        batch_op.drop_column('version_id')

    with op.batch_alter_table('department', schema=None) as batch_op:
        batch_op.drop_column('version_id')

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('row_hash')
        batch_op.drop_column('prev_hash')

    with op.batch_alter_table('extension_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_extension_request_task_id'))

    op.drop_table('extension_request')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_department_id'))

    op.drop_table('user_account')
    op.drop_table('audit_head')
