"""Idempotency keys scoped to the caller and bound to the request: an intake's key is
stored as the digest of (caller, key), beside the digest of its body. Keys stored before
were global and are left as they are; a retry of one of those starts a new case.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cases", sa.Column("idempotency_body", sa.String(length=64), nullable=True))


def downgrade() -> None:
    op.drop_column("cases", "idempotency_body")
