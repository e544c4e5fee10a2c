"""The checks a human action passes before anything is written: the update validators
call them, and the handlers again under the lock, where the case may have moved on."""

from temporalio import workflow

from workflows.case_base import CaseWorkflowBase

with workflow.unsafe.imports_passed_through():
    from models import errors
    from models.domain import Handover, QuoteDecision, Reassignment, SlaExtension
    from models.stages import Action, allowed


class ActionChecks(CaseWorkflowBase):
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
