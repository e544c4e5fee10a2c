"""Runtime configuration, read from REPAIRFLOW_* environment variables.

Only the API, the activities and the worker read it: workflows get the resolved
policy as an activity result, so they never depend on the environment.
"""

from datetime import date, time
from decimal import Decimal
from functools import lru_cache

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.calendar import Calendar
from models.domain import Role
from models.sla import DEFAULT_SLA_MINUTES, Target


class ApiKey(BaseModel):
    name: str
    role: Role
    technician_id: str | None = None


class CalendarConfig(BaseModel):
    """The hours a priority's SLA clock runs in (see models.calendar)."""

    round_the_clock: bool = False
    timezone: str = "Asia/Shanghai"
    weekdays: list[int] = Field(default_factory=lambda: list(range(6)), description="0 = Monday")
    opens: time = time(9)
    closes: time = time(18)
    holidays: list[date] = Field(default_factory=list, description="in addition to sla_holidays")


DEFAULT_CALENDARS = {
    "P1": CalendarConfig(round_the_clock=True),
    "P2": CalendarConfig(),
    "P3": CalendarConfig(),
    "P4": CalendarConfig(),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REPAIRFLOW_", env_file=None)

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/repairflow"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "repair-cases"
    # seconds an API call waits for the case workflow's answer before a 503
    answer_timeout: float = 30.0

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
    # priority -> target -> minutes, overriding the defaults of docs/sla.md per entry
    sla_minutes: dict[str, dict[str, float]] = {}
    # priority -> calendar, replacing the default of that priority
    sla_calendars: dict[str, CalendarConfig] = {}
    # closed days of every business-hours calendar
    sla_holidays: list[date] = []

    @model_validator(mode="after")
    def _sla_policy_is_sound(self) -> "Settings":
        # refused when the process starts, not when a case first needs the broken calendar
        for name, keys in (("sla_minutes", self.sla_minutes), ("sla_calendars", self.sla_calendars)):
            unknown = set(keys) - set(DEFAULT_SLA_MINUTES)
            if unknown:
                raise ValueError(f"{name}: unknown priorities {sorted(unknown)}")
        for priority, targets in self.sla_minutes.items():
            unknown = set(targets) - {t.value for t in Target}
            if unknown:
                raise ValueError(f"sla_minutes: {priority}: unknown targets {sorted(unknown)}")
        for priority in DEFAULT_SLA_MINUTES:
            try:
                self.sla_calendar(priority)
            except (ValueError, KeyError) as err:  # ZoneInfo raises a KeyError subclass
                raise ValueError(f"sla_calendars: {priority}: {err}") from None
        return self

    def sla_table(self) -> dict[str, dict[str, float]]:
        table = {p: dict(t) for p, t in DEFAULT_SLA_MINUTES.items()}
        for priority, targets in self.sla_minutes.items():
            table.setdefault(priority, {}).update(targets)
        return table

    def sla_calendar(self, priority: str) -> Calendar:
        config = self.sla_calendars.get(priority) or DEFAULT_CALENDARS[priority]
        # a scaled clock counts every hour, so a scaled demo behaves the same at any time of day
        return Calendar(
            timezone=config.timezone,
            round_the_clock=config.round_the_clock or self.time_scale != 1,
            weekdays=frozenset(config.weekdays),
            opens=config.opens,
            closes=config.closes,
            holidays=frozenset(config.holidays) | frozenset(self.sla_holidays),
        )


@lru_cache
def get_settings() -> Settings:
    return Settings()
