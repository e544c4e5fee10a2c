"""Runtime configuration, read from REPAIRFLOW_* environment variables.

Only the API, the activities and the worker read it: workflows get the resolved
policy as an activity result, so they never depend on the environment.
"""

import base64
import binascii
from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from limits import RateLimitItem, parse
from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.calendar import Calendar
from models.complaints import (
    DEFAULT_CALLBACK_MINUTES,
    DEFAULT_CALLBACK_MINUTES_OTHER,
    DEFAULT_RESOLVE_HOURS,
    callback_minutes,
)
from models.domain import Channel, Role
from models.messages import Audience, ContactChannel
from models.sla import DEFAULT_SLA_MINUTES, Target


def is_dev_key(key: str, name: str) -> bool:
    return key.startswith("dev-") or name.startswith("dev-")


def parse_payload_key(spec: str) -> tuple[str, bytes]:
    """ "<id>:<base64>" -> (id, 32-byte key)."""
    key_id, _, encoded = spec.partition(":")
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        key = b""
    if not key_id or len(key) != 32:
        raise ValueError("a payload key is '<key id>:<base64 of 32 bytes>'")
    return key_id, key


def parse_rate_limit(spec: str) -> RateLimitItem:
    try:
        return parse(spec)
    except ValueError as err:
        raise ValueError(f"rate_limit: {err}") from None


class ApiKey(BaseModel):
    # recorded as the actor of what the key does ("agent:<name>")
    name: str = Field(min_length=1, max_length=64)
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

    # production refuses what only suits a trial: dev API keys, payloads in clear
    env: Literal["development", "production"] = "development"

    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:5432/repairflow"
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    task_queue: str = "repair-cases"
    # workflows a worker keeps in memory between their tasks; one evicted is replayed from its
    # history when it next wakes. Bounds the worker's memory, whatever the open cases (docs/performance.md)
    worker_cached_workflows: int = Field(default=500, ge=0)
    # seconds an API call waits for the case workflow's answer before a 503
    answer_timeout: float = 30.0

    # Keys given here are accepted next to the hashed keys stored in the api_keys table.
    api_keys: dict[str, ApiKey] = {}

    # "<key id>:<base64 of 32 random bytes>": the AES-256-GCM key of the payload codec, which
    # encrypts everything the workflows carry; empty: payloads travel in clear
    payload_key: str = ""
    # keys of earlier rotations, still used to read what they wrote
    payload_old_keys: list[str] = []
    # the Temporal UI cannot send an API key: it calls the codec under this secret path
    codec_ui_token: str = ""
    # browser origins allowed to call the codec endpoint (the Temporal UI's)
    codec_cors_origins: list[str] = ["http://127.0.0.1:8233", "http://localhost:8233"]

    # requests per API key, in the notation of the `limits` library
    rate_limit: str = "1200/minute"
    # larger request bodies are refused with 413 before they are read
    max_body_bytes: int = 1024 * 1024

    # one apprise URL template per channel, with the recipient's address in its place:
    # {email}, {phone}, {openid}. A channel left empty is never used; with none at all,
    # messages are only recorded in the outbox and logged (without personal data).
    customer_email_url: str = ""
    customer_sms_url: str = ""
    customer_wechat_url: str = ""
    staff_email_url: str = ""
    staff_sms_url: str = ""
    staff_wechat_url: str = ""
    # audience (assignee, dispatcher, supervisor, manager) -> apprise URLs of its group bots
    # (WeCom, DingTalk, Feishu), which get every message for that audience
    staff_group_urls: dict[Audience, list[str]] = {}
    # a message that cannot go out is retried, from the first interval and doubling up to the
    # longest, until it has been this many hours; then it is recorded failed
    delivery_give_up_hours: float = 48.0
    delivery_first_retry_seconds: float = 30.0
    delivery_max_retry_seconds: float = 1800.0
    # seconds one send (a mail, a webhook POST) may take
    delivery_send_timeout: float = 30.0

    # where customers open their tracking page: messages link to <public_url>/track/<token>
    public_url: str = "http://127.0.0.1:8000"
    # signs tracking tokens and their forms' CSRF tokens; production needs its own
    tracking_secret: str = "dev-tracking-secret"
    # days a tracking link works after the message that carried it
    tracking_days: int = Field(default=90, ge=1, le=3650)

    # the supervisor dashboard (docs/dashboard.md): its charts link to this Temporal UI
    temporal_ui_url: str = "http://127.0.0.1:8233"
    # signs the dashboard's session cookies and CSRF tokens; empty: the tracking secret, under
    # a salt of the dashboard's own
    dashboard_secret: str = ""
    # hours a dashboard login lasts
    dashboard_session_hours: float = Field(default=8.0, gt=0, le=7 * 24)
    # failed dashboard logins per client address, in the notation of the `limits` library
    dashboard_login_limit: str = "10/minute"

    # "json": the worker and the API log one JSON object per line, for a log collector
    log_format: Literal["text", "json"] = "text"
    # the worker's metrics for Prometheus: the Temporal SDK's on this port, the app's on the
    # next one; 0: none. The host to bind them to (0.0.0.0 in a container)
    worker_metrics_port: int = Field(default=0, ge=0, le=65534)
    worker_metrics_host: str = "127.0.0.1"

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
    # compensation at handover above this amount is recorded by a supervisor (their approval)
    compensation_approval_above: Decimal = Decimal("500.00")
    # a case with a region gets the best free technician without the dispatch desk
    auto_dispatch: bool = True
    # minutes before a case nobody could take is tried again (scaled by time_scale)
    dispatch_retry_minutes: float = Field(default=5.0, gt=0)
    # minutes between looks at the stock for a case waiting for parts, besides each receipt
    parts_recheck_minutes: float = Field(default=15.0, gt=0)
    # whether the resolution clock stops while a case waits for a spare part: by default
    # it runs, as the customer is not the one waiting
    pause_resolution_for_parts: bool = False
    # seconds a person's action keeps retrying its write before it answers 503 not_recorded
    action_retry_seconds: float = 600.0
    # priority -> target -> minutes, overriding the defaults of docs/sla.md per entry
    sla_minutes: dict[str, dict[str, float]] = {}
    # priority -> calendar, replacing the default of that priority
    sla_calendars: dict[str, CalendarConfig] = {}
    # closed days of every business-hours calendar
    sla_holidays: list[date] = []
    # complaints (docs/complaints.md): minutes to call the customer back, by the channel the
    # complaint came in on and "default" for the others, overriding the built-in entries one
    # by one (phone 15, default 480); hours to close it (both wall clock)
    complaint_callback_minutes: dict[str, float] = {}
    complaint_resolve_hours: float = Field(default=DEFAULT_RESOLVE_HOURS, gt=0)
    # the staff id who owns each new follow-up of an unhappy customer; empty: the first
    # active supervisor of the staff contacts (none: unassigned)
    follow_up_owner: str = Field(default="", max_length=32)
    # hours from the callback to the follow-up's deadline
    follow_up_hours: float = Field(default=24.0, gt=0)
    # whether the worker keeps the weekly and monthly review schedules (docs/reviews.md)
    review_schedules: bool = True
    # the zone whose weeks and months the reviews cover, and whose clock their schedules keep
    review_timezone: str = "Asia/Shanghai"

    @field_validator("review_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ValueError, KeyError) as err:  # ZoneInfoNotFoundError is a KeyError
            raise ValueError(f"unknown time zone {value!r}") from err
        return value

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> "Settings":
        parse_rate_limit(self.rate_limit)
        parse_rate_limit(self.dashboard_login_limit)
        for key in [self.payload_key, *self.payload_old_keys] if self.payload_key else self.payload_old_keys:
            parse_payload_key(key)
        if self.env == "production":
            if not self.payload_key:
                raise ValueError("payload_key: production encrypts workflow payloads; set REPAIRFLOW_PAYLOAD_KEY")
            if self.payload_key.startswith("dev-"):
                raise ValueError("payload_key: the dev payload key is public; production needs its own")
            if self.tracking_secret.startswith("dev-") or len(self.tracking_secret) < 32:
                raise ValueError("tracking_secret: production needs its own, of at least 32 characters")
            if self.dashboard_secret and (self.dashboard_secret.startswith("dev-") or len(self.dashboard_secret) < 32):
                raise ValueError("dashboard_secret: production needs its own, of at least 32 characters")
            dev = sorted(meta.name for key, meta in self.api_keys.items() if is_dev_key(key, meta.name))
            if dev:
                raise ValueError(f"api_keys: dev keys are refused in production: {dev}")
        return self

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

    @model_validator(mode="after")
    def _complaint_clocks_are_sound(self) -> "Settings":
        unknown = set(self.complaint_callback_minutes) - {c.value for c in Channel} - {"default"}
        if unknown:
            raise ValueError(f"complaint_callback_minutes: unknown channels {sorted(unknown)}")
        if any(minutes <= 0 for minutes in self.complaint_callback_minutes.values()):
            raise ValueError("complaint_callback_minutes: minutes are more than 0")
        return self

    def complaint_callback_seconds(self, channel: str) -> float:
        table = {**DEFAULT_CALLBACK_MINUTES, "default": DEFAULT_CALLBACK_MINUTES_OTHER}
        table |= self.complaint_callback_minutes
        minutes = callback_minutes(channel, table, table["default"])
        return minutes * 60 * self.time_scale

    def channel_url(self, staff: bool, channel: ContactChannel) -> str:
        return getattr(self, f"{'staff' if staff else 'customer'}_{channel.value}_url")

    @property
    def any_channel(self) -> bool:
        """Whether any message can leave this system at all."""
        urls = [self.channel_url(staff, c) for staff in (False, True) for c in ContactChannel]
        return any(urls) or any(self.staff_group_urls.values())

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
