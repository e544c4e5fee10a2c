"""Indexes that keep the SLA board flat as cases pile up: the running SLA clocks by deadline,
the open cases by when they began (the oldest open case bounds the board's walk), and the
running clocks due before they started (none the workflows set; any such moves the bound).

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_sla_targets_running_deadline",
        "sla_targets",
        ["deadline", "case_id", "target"],
        postgresql_where=sa.text("met_at IS NULL AND paused_at IS NULL"),
    )
    op.create_index(
        "ix_sla_targets_running_early",
        "sla_targets",
        ["deadline"],
        postgresql_where=sa.text(
            "met_at IS NULL AND paused_at IS NULL AND (started_at IS NULL OR deadline < started_at)"
        ),
    )
    op.create_index("ix_cases_open_created", "cases", ["created_at"], postgresql_where=sa.text("status = 'open'"))


def downgrade() -> None:
    op.drop_index("ix_cases_open_created", table_name="cases")
    op.drop_index("ix_sla_targets_running_early", table_name="sla_targets")
    op.drop_index("ix_sla_targets_running_deadline", table_name="sla_targets")
