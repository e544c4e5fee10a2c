"""The checks a human action passes before anything is written, and the frame every
action runs in: the update validators call the checks, and `_acting` again under the
lock, where the case may have moved on while the action waited."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import workflow

from workflows.sla_ladder import SlaLadder

with workflow.unsafe.imports_passed_through():
    from models import errors
    from models.domain import Handover, QuoteDecision, Reassignment, SlaExtension
    from models.payloads import CaseState
    from models.stages import Action, allowed


class ActionChecks(SlaLadder):
    def _check(self, action: Action) -> None:
        # the validator runs before anything is written; it refuses until triage is done
        if self._policy is None or not allowed(action, self._state.stage):
            raise errors.invalid_stage(action, self._state.stage)

    def _check_quote_version(self, data: QuoteDecision) -> None:
        quote = self._state.quote
        if quote is not None and data.quote_version is not None and data.quote_version != quote.version:
            raise errors.invalid_input("quote_version", f"the quote changed: version {quote.version} needs a decision")

    def _check_rework(self, data: Handover) -> None:
        if data.resolution == "rework" and not self._state.repaired:
            raise errors.invalid_input("resolution", "rework needs a repaired device; offer compensation")

    def _check_reassignment(self, data: Reassignment) -> None:
        if data.technician_id == self._state.technician_id:
            raise errors.invalid_input("technician_id", f"the case is already with {data.technician_id}")

    def _check_extension(self, data: SlaExtension) -> None:
        sla = self._state.sla.get(data.target)
        if not self._ladder or sla is None:
            raise errors.invalid_input("target", "this case's SLA policy has no extensions")
        if sla.met_at is not None:
            raise errors.invalid_input("target", f"the {data.target} target is already met")

    @asynccontextmanager
    async def _acting(self, action: Action) -> AsyncIterator[None]:
        async with self._lock:
            # another action may have moved the case while this one waited for the lock
            self._check(action)
            yield
            await self._follow_customer_wait()
            self._revision += 1
            self._publish()

    async def _closed_if(self, reviewing: bool) -> CaseState:
        # answer with the closed case rather than the instant before the review
        if reviewing:
            await workflow.wait_condition(lambda: self._reviewed)
        return self._state
