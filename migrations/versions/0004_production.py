"""production: shared rate-limit counters; sign-in lockout per account; indexes for attempts and first answers

Revision ID: 0004_production
Revises: 0003_authoring
Create Date: 2026-11-26 12:30:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


# revision identifiers, used by Alembic.
revision = '0004_production'
down_revision = '0003_authoring'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rate_limits',
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limits'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # 0001 declared laws.current_version_id's foreign key with use_alter, which op.create_table leaves out on
        # PostgreSQL (SQLite writes it inline): add it where it is missing (tests/test_migrations.py on PostgreSQL).
        names = {fk['name'] for fk in sa.inspect(bind).get_foreign_keys('laws')}
        if 'fk_laws_current_version_id_law_versions' not in names:
            op.create_foreign_key('fk_laws_current_version_id_law_versions', 'laws', 'law_versions',
                                  ['current_version_id'], ['id'], ondelete='SET NULL')
    # (user_id, quiz_id) → (user_id, quiz_id, submitted_at, id, score): see quizzes/models.py.
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_user_quiz_submitted', ['user_id', 'quiz_id', 'submitted_at', 'id', 'score'],
                              unique=False)
        batch_op.drop_index('ix_attempts_user_quiz')
    # The first answers' index covers the answer as a key (jsonb on PostgreSQL) and the id: see cohorts/models.py.
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_first_answers', postgresql_include=['answer'])
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('responses', 'answer', type_=postgresql.JSONB(), postgresql_using='answer::jsonb')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_first_answers', ['attempt_id', 'question_id', 'correct', 'answer'],
                              unique=False, postgresql_include=['id'])


def downgrade():
    op.drop_table('rate_limits')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.drop_index('ix_responses_first_answers', postgresql_include=['id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('responses', 'answer', type_=sa.JSON(), postgresql_using='answer::json')
    with op.batch_alter_table('responses', schema=None) as batch_op:
        batch_op.create_index('ix_responses_first_answers', ['attempt_id', 'question_id', 'correct'], unique=False,
                              postgresql_include=['answer'])
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index('ix_attempts_user_quiz', ['user_id', 'quiz_id'], unique=False)
        batch_op.drop_index('ix_attempts_user_quiz_submitted')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')
