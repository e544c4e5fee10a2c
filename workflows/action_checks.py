"""The checks a human action passes before anything is written, and the frame every
action runs in: the update validators call the checks, and `_acting` again under the
lock, where the case may have moved on while the action waited."""

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from temporalio import workflow

from workflows.sla_ladder import SlaLadder

with workflow.unsafe.imports_passed_through():
    from models import errors
    from models.domain import Actor, Handover, QuoteDecision, Reassignment, Role, SlaExtension
    from models.idempotency import parse_update_id
    from models.payloads import CaseState
    from models.stages import Action, allowed


# cases begun before technicians were checked in the workflow itself
HOLDER_PATCH = "technician-must-hold-the-case"


class ActionChecks(SlaLadder):
    def _check(self, action: Action, actor: Actor, *, holder: bool = True) -> None:
        # a key sent with another request is refused whatever the case's stage
        self._check_key()
        # the validator runs before anything is written; it refuses until triage is done
        if self._policy is None or not allowed(action, self._state.stage):
            raise errors.invalid_stage(action, self._state.stage)
        # the API checks this too; here it also holds when a reassignment lands in between
        if holder and actor.role is Role.TECHNICIAN and actor.id != self._state.technician_id:
            raise errors.not_assigned(self._state.case_id, actor.id)

    def _check_key(self) -> None:
        """A retried request is the same update, which Temporal runs once; the same key
        with another request is refused."""
        update = workflow.current_update_info()
        keyed = parse_update_id(update.id) if update else None
        if keyed and self._idempotency.get(keyed[0], keyed[1]) != keyed[1]:
            raise errors.idempotency_key_reused()

    def _remember_key(self) -> None:
        update = workflow.current_update_info()
        keyed = parse_update_id(update.id) if update else None
        if keyed:
            self._idempotency.setdefault(*keyed)

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
    async def _acting(self, action: Action, actor: Actor) -> AsyncIterator[None]:
        async with self._lock:
            # another action may have moved the case while this one waited for the lock
            self._check(action, actor, holder=self._patched(HOLDER_PATCH))
            self._remember_key()
            keys, writes = Counter(self._keys), self._writes
            self._in_action = True
            try:
                yield
            except BaseException:
                # nothing written: the next attempt takes the same event keys, so a write
                # that did land after all is found again rather than made twice
                if self._writes == writes:
                    self._keys = keys
                raise
            finally:
                self._in_action = False
            await self._follow_customer_wait()
            self._revision += 1
            self._publish()

    async def _closed_if(self, reviewing: bool) -> CaseState:
        # answer with the closed case rather than the instant before the review
        if reviewing:
            await workflow.wait_condition(lambda: self._reviewed)
        return self._state
