"""The filters the message templates format values with: what Jinja cannot do alone."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


def local(value: datetime | str, zone: str) -> datetime:
    """A time (aware, or an ISO string as the workflow passes deadlines) in the zone `zone`."""
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    # the workflow's clock is UTC, so a time without an offset is a UTC one
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(ZoneInfo(zone))


def money(value: Decimal | int | float | str) -> str:
    """Two decimals, no thousands separators (an SMS has no room for them)."""
    # through str: a float's binary value would show as 0.1000000000000000055...
    return f"{Decimal(str(value)):.2f}"


def number(value: Decimal | int | float | str) -> str:
    """A quantity without trailing zeros: 1, 1.5, 100."""
    return f"{Decimal(str(value)).normalize():f}"


FILTERS = {"local": local, "money": money, "number": number}
