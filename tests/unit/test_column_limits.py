"""Every value an input model lets through fits the column it is stored in, so valid
input can never fail the write that records it (and hold the case while it retries)."""

import typing
from enum import StrEnum

import pytest
from pydantic import BaseModel
from sqlalchemy import Column, String

from models import domain
from models.events import EscalationKind, EventType
from models.messages import Audience, Template
from models.stages import Stage
from models.tables import (
    ApiKeyRow,
    Base,
    CaseRow,
    CustomerRow,
    DeviceRow,
    EscalationRow,
    HandoverRow,
    NotificationRow,
    QuoteRow,
    TimelineEventRow,
)
from settings import ApiKey


def column(row: type[Base], name: str) -> Column:
    return Base.metadata.tables[row.__tablename__].c[name]


# input field -> the column it ends up in
STORED: list[tuple[type[BaseModel], str, Column]] = [
    (domain.Customer, "name", column(CustomerRow, "name")),
    (domain.Customer, "phone", column(CustomerRow, "phone")),
    (domain.Customer, "email", column(CustomerRow, "email")),
    (domain.Customer, "address", column(CustomerRow, "address")),
    (domain.Customer, "region", column(CustomerRow, "region")),
    (domain.Customer, "region", column(CaseRow, "region")),
    (domain.Product, "model", column(DeviceRow, "model")),
    (domain.Product, "serial_number", column(DeviceRow, "serial_number")),
    (domain.Assignment, "technician_id", column(CaseRow, "technician_id")),
    (domain.Reassignment, "technician_id", column(CaseRow, "technician_id")),
    (domain.Handover, "signed_by", column(HandoverRow, "signed_by")),
    (domain.Handover, "remarks", column(HandoverRow, "remarks")),
    (domain.QuoteDecision, "note", column(QuoteRow, "note")),
    (ApiKey, "name", column(ApiKeyRow, "name")),
]
# enumerated values -> their column
ENUMS: list[tuple[type[StrEnum], Column]] = [
    (domain.Channel, column(CaseRow, "channel")),
    (domain.ServiceMode, column(CaseRow, "service_mode")),
    (domain.Priority, column(CaseRow, "priority")),
    (domain.Warranty, column(CaseRow, "warranty")),
    (domain.Category, column(DeviceRow, "category")),
    (Stage, column(CaseRow, "stage")),
    (Stage, column(TimelineEventRow, "stage")),
    (EventType, column(TimelineEventRow, "type")),
    (EscalationKind, column(EscalationRow, "kind")),
    (Audience, column(NotificationRow, "audience")),
    (Template, column(NotificationRow, "template")),
]


def max_length(model: type[BaseModel], field: str) -> int | None:
    """The longest string the field accepts; None when it sets no limit."""
    limits = [getattr(m, "max_length", None) for m in model.model_fields[field].metadata]
    found = [n for n in limits if n is not None]
    return min(found) if found else None


def column_length(column: Column) -> int | None:
    return column.type.length if isinstance(column.type, String) else None


@pytest.mark.parametrize("model, field, column", STORED, ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_input_field_fits_its_column(model, field, column):
    room = column_length(column)
    if room is None:
        return  # text: no limit to overflow
    longest = max_length(model, field)
    assert longest is not None, f"{model.__name__}.{field} has no max_length but {column} holds {room}"
    assert longest <= room, f"{model.__name__}.{field} allows {longest}, {column} holds {room}"


@pytest.mark.parametrize("enum, column", ENUMS, ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_enumerated_value_fits_its_column(enum, column):
    assert max(len(v.value) for v in enum) <= column_length(column)


def test_the_longest_actor_fits_the_timeline():
    roles = typing.get_args(domain.Role) or [r.value for r in domain.Role]
    longest_id = max(max_length(ApiKey, "name") or 0, max_length(domain.Assignment, "technician_id") or 0)
    assert max(map(len, roles)) + 1 + longest_id <= column_length(column(TimelineEventRow, "actor"))


def test_the_scan_sees_a_field_without_a_limit():
    class Loose(BaseModel):
        name: str

    assert max_length(Loose, "name") is None
