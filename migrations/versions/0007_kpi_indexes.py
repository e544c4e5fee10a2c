"""KPI indexes: the cases closed in a period, and a case's events of a type (with their
time), so the KPI report's aggregates read only the period's cases and their few events.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"])
    op.create_index("ix_timeline_events_case_type", "timeline_events", ["case_id", "type", "at"])


def downgrade() -> None:
    op.drop_index("ix_timeline_events_case_type", table_name="timeline_events")
    op.drop_index("ix_cases_closed_at", table_name="cases")
