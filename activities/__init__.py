"""Activities: the only writers of case state in PostgreSQL."""
from typing import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from activities.case_steps import CaseStepActivities
from activities.intake import IntakeActivities
from activities.notify import NotifyActivities
from activities.review import ReviewActivities
from activities.sla import SlaActivities
from settings import Settings


def build(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> list[Callable]:
    intake = IntakeActivities(sessions, settings)
    steps = CaseStepActivities(sessions, settings)
    review = ReviewActivities(sessions, settings)
    notify = NotifyActivities(sessions, settings)
    sla = SlaActivities(sessions, settings)
    return [
        intake.record_intake, intake.triage_case,
        steps.record_step, steps.price_quote, steps.record_diagnosis, steps.record_quote_decision,
        steps.record_repair, steps.record_qc, steps.record_handover, steps.record_callback,
        steps.record_escalation, sla.change_sla_clock, review.record_review, notify.notify,
    ]
