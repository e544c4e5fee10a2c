"""Activities: the only writers of case state in PostgreSQL. Each class groups the
activities of one concern; `build` binds them to a session factory and the settings."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.auto_dispatch import AutoDispatchActivities
from activities.case_records import CaseRecordActivities
from activities.complaints import ComplaintActivities
from activities.delivery import DeliveryActivities
from activities.intake import IntakeActivities
from activities.notify import NotifyActivities
from activities.periodic_review import PeriodicReviewActivities
from activities.review import ReviewActivities
from activities.sla import SlaActivities
from activities.stock import StockActivities
from settings import Settings

__all__ = [
    "AutoDispatchActivities",
    "CaseRecordActivities",
    "ComplaintActivities",
    "DeliveryActivities",
    "IntakeActivities",
    "NotifyActivities",
    "PeriodicReviewActivities",
    "ReviewActivities",
    "SlaActivities",
    "StockActivities",
    "build",
]


def build(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> list[Callable]:
    intake = IntakeActivities(sessions, settings)
    records = CaseRecordActivities(sessions, settings)
    review = ReviewActivities(sessions, settings)
    notify = NotifyActivities(sessions, settings)
    sla = SlaActivities(sessions, settings)
    delivery = DeliveryActivities(sessions, settings)
    stock = StockActivities(sessions, settings)
    periodic_review = PeriodicReviewActivities(sessions, settings)
    dispatch = AutoDispatchActivities(sessions, settings)
    complaints = ComplaintActivities(sessions, settings)
    return [
        intake.record_intake,
        intake.triage_case,
        intake.open_case,
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
        stock.reserve_parts,
        stock.release_parts,
        stock.consume_parts,
        stock.parts_ready,
        dispatch.auto_assign,
        complaints.record_complaint,
        complaints.record_complaint_event,
        complaints.notify_complaint,
        periodic_review.compile_review,
        periodic_review.notify_review,
    ]
