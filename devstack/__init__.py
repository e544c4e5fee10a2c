"""The local stack behind `make dev` and the tests: embedded PostgreSQL, the Temporal
CLI dev server, migrations and seed data. `python -m devstack` runs all of it plus the
worker and the API."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
