"""Spare parts stock: each part's stock on hand and how much of it is reserved, the parts
reserved for each case (the waiting ones are the queue stock is served to), and the audit
log of stock movements. Parts already in the price list start with nothing on hand: real
stock comes in as receipts.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("parts", sa.Column("on_hand", sa.Integer(), server_default="0", nullable=False))
    op.add_column("parts", sa.Column("reserved", sa.Integer(), server_default="0", nullable=False))
    op.create_check_constraint("ck_parts_on_hand_not_negative", "parts", "on_hand >= 0")
    op.create_check_constraint("ck_parts_reserved_not_negative", "parts", "reserved >= 0")
    op.create_check_constraint("ck_parts_reserved_on_hand", "parts", "reserved <= on_hand")

    op.create_table(
        "part_reservations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("case_id", sa.String(length=32), sa.ForeignKey("cases.case_id"), nullable=False),
        sa.Column("part_number", sa.String(length=64), sa.ForeignKey("parts.part_number"), nullable=False),
        sa.Column("quote_version", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("deadline", TS, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.UniqueConstraint("case_id", "part_number", "quote_version"),
        sa.CheckConstraint("quantity > 0", name="ck_part_reservations_quantity"),
        sa.CheckConstraint("used >= 0 AND used <= quantity", name="ck_part_reservations_used"),
    )
    op.create_index(
        "ix_part_reservations_waiting",
        "part_reservations",
        ["part_number"],
        postgresql_where=sa.text("status = 'waiting'"),
    )

    op.create_table(
        "stock_movements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("part_number", sa.String(length=64), sa.ForeignKey("parts.part_number"), nullable=False),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("case_id", sa.String(length=32), sa.ForeignKey("cases.case_id"), nullable=True),
        sa.Column("repair_seq", sa.Integer(), nullable=True),
        sa.UniqueConstraint("case_id", "repair_seq", "part_number"),
        sa.CheckConstraint("delta <> 0", name="ck_stock_movements_delta"),
    )
    op.create_index("ix_stock_movements_part", "stock_movements", ["part_number", "at"])


def downgrade() -> None:
    op.drop_index("ix_stock_movements_part", table_name="stock_movements")
    op.drop_table("stock_movements")
    op.drop_index("ix_part_reservations_waiting", table_name="part_reservations")
    op.drop_table("part_reservations")
    op.drop_constraint("ck_parts_reserved_on_hand", "parts", type_="check")
    op.drop_constraint("ck_parts_reserved_not_negative", "parts", type_="check")
    op.drop_constraint("ck_parts_on_hand_not_negative", "parts", type_="check")
    op.drop_column("parts", "reserved")
    op.drop_column("parts", "on_hand")
