"""Runtime configuration, read from REPAIRFLOW_* environment variables.

Only the API, the activities and the worker read it: workflows get the resolved
policy as an activity result, so they never depend on the environment.
"""
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.sla import DEFAULT_SLA_MINUTES


class ApiKey(BaseModel):
    name: str
    role: str  # agent | technician | supervisor
    technician_id: str | None = None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPAIRFLOW_", env_file=None)

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/repairflow"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "repair-cases"

    # Keys given here are accepted next to the hashed keys stored in the api_keys table.
    api_keys: dict[str, ApiKey] = {}

    # apprise URLs; with none configured, messages are only recorded and logged.
    notify_customer_urls: list[str] = []
    notify_staff_urls: list[str] = []

    time_scale: float = 1.0
    currency: str = "CNY"
    labor_rate: Decimal = Decimal("80.00")
    on_site_fee: Decimal = Decimal("50.00")
    warranty_months_default: int = 12
    warranty_months: dict[str, int] = {}
    repaired_part_warranty_days: int = 90
    critical_categories: list[str] = ["fridge", "air_conditioner"]
    quote_expiry_hours: float = 7 * 24
    callback_delay_hours: float = 3 * 24
    callback_unreachable_hours: float = 7 * 24
    max_qc_failures: int = 3
    # priority -> target -> minutes, overriding DESIGN defaults per entry
    sla_minutes: dict[str, dict[str, float]] = {}

    def sla_table(self) -> dict[str, dict[str, float]]:
        table = {p: dict(t) for p, t in DEFAULT_SLA_MINUTES.items()}
        for priority, targets in self.sla_minutes.items():
            table.setdefault(priority, {}).update(targets)
        return table


@lru_cache
def get_settings() -> Settings:
    return Settings()
