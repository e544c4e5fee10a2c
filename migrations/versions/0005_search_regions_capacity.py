"""Search and history, regions, technician capacity, the technician's work list: the
customer's phone as national digits (filled here for the customers already there), the
customer's and the case's service region, a technician's capacity, the case's visit
window and arrival, and the indexes that keep search, history and load fast at a million
cases. Names are searched by fragment through pg_trgm, a trusted extension (PostgreSQL 13
on): the database's owner, the app's role, creates it without being a superuser.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from models.phones import normalize

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)
BACKFILL_BATCH = 5000


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    # nullable: a worker of the release before, still running during a rolling upgrade,
    # inserts customers without it; their next intake fills it
    op.add_column("customers", sa.Column("phone_digits", sa.String(length=32), nullable=True))
    op.add_column("customers", sa.Column("region", sa.String(length=64), nullable=True))
    _backfill_phone_digits()
    op.create_index("ix_customers_phone_digits", "customers", ["phone_digits"])
    op.create_index(
        "ix_customers_name_trgm",
        "customers",
        ["name"],
        postgresql_using="gin",
        postgresql_ops={"name": "gin_trgm_ops"},
    )
    op.create_index("ix_devices_serial_lower", "devices", [sa.text("lower(serial_number)")])

    op.add_column("cases", sa.Column("region", sa.String(length=64), nullable=True))
    for column in ("visit_from", "visit_by", "arrived_at"):
        op.add_column("cases", sa.Column(column, TS, nullable=True))
    op.create_index("ix_cases_customer_created", "cases", ["customer_id", "created_at"])
    op.create_index("ix_cases_device_created", "cases", ["device_id", "created_at"])
    op.create_index("ix_cases_open_technician", "cases", ["technician_id"], postgresql_where=sa.text("status = 'open'"))

    op.add_column("technicians", sa.Column("capacity", sa.Integer(), server_default="5", nullable=False))
    op.create_check_constraint("ck_technicians_capacity", "technicians", "capacity >= 0")


def _backfill_phone_digits() -> None:
    """In Python, so the rule is the one intake applies (models.phones), not a second copy in SQL."""
    conn = op.get_bind()
    last = 0
    while rows := conn.execute(
        sa.text("SELECT id, phone FROM customers WHERE id > :last ORDER BY id LIMIT :batch"),
        {"last": last, "batch": BACKFILL_BATCH},
    ).all():
        conn.execute(
            sa.text(
                "UPDATE customers SET phone_digits = v.digits "
                "FROM unnest(CAST(:ids AS integer[]), CAST(:digits AS text[])) AS v(id, digits) "
                "WHERE customers.id = v.id"
            ).bindparams(
                sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer())),
                sa.bindparam("digits", type_=postgresql.ARRAY(sa.Text())),
            ),
            {"ids": [r.id for r in rows], "digits": [normalize(r.phone) for r in rows]},
        )
        last = rows[-1].id


def downgrade() -> None:
    op.drop_constraint("ck_technicians_capacity", "technicians", type_="check")
    op.drop_column("technicians", "capacity")
    for index in ("ix_cases_open_technician", "ix_cases_device_created", "ix_cases_customer_created"):
        op.drop_index(index, table_name="cases")
    for column in ("arrived_at", "visit_by", "visit_from", "region"):
        op.drop_column("cases", column)
    op.drop_index("ix_devices_serial_lower", table_name="devices")
    for index in ("ix_customers_name_trgm", "ix_customers_phone_digits"):
        op.drop_index(index, table_name="customers")
    op.drop_column("customers", "region")
    op.drop_column("customers", "phone_digits")
    # pg_trgm stays: dropping an extension could take along what others built on it
