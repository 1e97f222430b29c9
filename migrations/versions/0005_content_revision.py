"""content revision per course: what the lesson page keeps per worker is checked against it

Revision ID: 0005_content_revision
Revises: 0004_production
Create Date: 2026-11-26 15:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005_content_revision'
down_revision = '0004_production'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_revision', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('courses', schema=None) as batch_op:
        batch_op.drop_column('content_revision')
