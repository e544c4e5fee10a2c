"""Reaching people: customers' WeChat id and preferred channels, staff contacts, the
outbox per recipient with each delivery attempt, webhook subscriptions, and the fuller
callback survey. Messages recorded before went to everyone on a server-wide list: they
keep recipient `customer` or the audience's group.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("customers", sa.Column("wechat_openid", sa.String(length=64), nullable=True))
    op.add_column(
        "customers", sa.Column("preferred_channels", JSON, server_default='["wechat", "sms", "email"]', nullable=False)
    )

    op.add_column(
        "notifications", sa.Column("recipient", sa.String(length=80), server_default="customer", nullable=False)
    )
    op.execute("UPDATE notifications SET recipient = 'group:' || audience WHERE audience <> 'customer'")
    # sent by the activity itself until now, which gave up after five tries: a row still
    # pending has no delivery to finish it; failed, it is listed for a supervisor to re-send
    op.execute(
        "UPDATE notifications SET status = 'failed', error = 'not sent before the upgrade; re-send it' "
        "WHERE status = 'pending'"
    )
    op.add_column("notifications", sa.Column("locale", sa.String(length=8), server_default="zh-CN", nullable=False))
    op.add_column("notifications", sa.Column("short_body", sa.Text(), nullable=True))
    op.add_column("notifications", sa.Column("channel", sa.String(length=16), nullable=True))
    op.create_index("ix_notifications_case", "notifications", ["case_id", "id"])
    op.create_index("ix_notifications_status", "notifications", ["status", "id"])

    op.create_table(
        "delivery_attempts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("notification_id", sa.Integer(), sa.ForeignKey("notifications.id"), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("at", TS, nullable=False),
    )
    op.create_index("ix_delivery_attempts_notification_id", "delivery_attempts", ["notification_id"])

    op.create_table(
        "staff_contacts",
        sa.Column("staff_id", sa.String(length=32), primary_key=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("wechat_openid", sa.String(length=64), nullable=True),
        sa.Column("preferred_channels", JSON, nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_staff_contacts_role", "staff_contacts", ["role"])

    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("event_types", JSON, nullable=False),
        sa.Column("secret", sa.String(length=128), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )

    for column in ("ces", "attitude", "professionalism"):
        op.add_column("callbacks", sa.Column(column, sa.Integer(), nullable=True))


def downgrade() -> None:
    for column in ("ces", "attitude", "professionalism"):
        op.drop_column("callbacks", column)
    op.drop_table("webhooks")
    op.drop_index("ix_staff_contacts_role", table_name="staff_contacts")
    op.drop_table("staff_contacts")
    op.drop_index("ix_delivery_attempts_notification_id", table_name="delivery_attempts")
    op.drop_table("delivery_attempts")
    op.drop_index("ix_notifications_status", table_name="notifications")
    op.drop_index("ix_notifications_case", table_name="notifications")
    for column in ("channel", "short_body", "locale", "recipient"):
        op.drop_column("notifications", column)
    op.drop_column("customers", "preferred_channels")
    op.drop_column("customers", "wechat_openid")
