"""Fault codes and compensation. Fault codes: the common faults of each product category, and the one a diagnosis names
beside its free text, so that common faults can be counted. The codes are reference data
(`python -m reference.load`). A handover settled by compensation records its type and amount.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fault_codes",
        sa.Column("code", sa.String(length=32), primary_key=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_fault_codes_category", "fault_codes", ["category"])
    op.add_column("diagnoses", sa.Column("fault_code", sa.String(length=32), nullable=True))
    op.create_index("ix_diagnoses_fault_code", "diagnoses", ["fault_code"])
    op.add_column("handovers", sa.Column("compensation_type", sa.String(length=16), nullable=True))
    op.add_column("handovers", sa.Column("compensation_amount", sa.Numeric(12, 2), nullable=True))


def downgrade() -> None:
    op.drop_column("handovers", "compensation_amount")
    op.drop_column("handovers", "compensation_type")
    op.drop_index("ix_diagnoses_fault_code", table_name="diagnoses")
    op.drop_column("diagnoses", "fault_code")
    op.drop_index("ix_fault_codes_category", table_name="fault_codes")
    op.drop_table("fault_codes")
