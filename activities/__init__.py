"""Activities: the only writers of case state in PostgreSQL. Each class groups the
activities of one concern; `build` binds them to a session factory and the settings."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.case_records import CaseRecordActivities
from activities.delivery import DeliveryActivities
from activities.intake import IntakeActivities
from activities.notify import NotifyActivities
from activities.review import ReviewActivities
from activities.sla import SlaActivities
from settings import Settings

__all__ = [
    "CaseRecordActivities",
    "DeliveryActivities",
    "IntakeActivities",
    "NotifyActivities",
    "ReviewActivities",
    "SlaActivities",
    "build",
]


def build(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> list[Callable]:
    intake = IntakeActivities(sessions, settings)
    records = CaseRecordActivities(sessions, settings)
    review = ReviewActivities(sessions, settings)
    notify = NotifyActivities(sessions, settings)
    sla = SlaActivities(sessions, settings)
    delivery = DeliveryActivities(sessions, settings)
    return [
        intake.record_intake,
        intake.triage_case,
        records.record_event,
        records.price_quote,
        records.record_diagnosis,
        records.record_quote_decision,
        records.record_repair,
        records.record_qc,
        records.record_handover,
        records.record_callback,
        records.record_escalation,
        sla.change_sla_clock,
        review.record_review,
        notify.notify,
        delivery.deliver,
        delivery.give_up,
    ]
