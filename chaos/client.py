"""One action as a careful client sends it: a POST with an Idempotency-Key, sent again
with the same key after a connection error, a timeout or a 503 that says Temporal or
PostgreSQL is away, since the workflow answers a retried request as it answered the
first. A 503 `not_recorded` says the action was given up and nothing changed: it goes
again under a new key. Everything the clients see is tallied for the report.

Some first tries are impatient on purpose: they stop waiting for the answer long before
the action can be done, so the action goes on in the API while its retry arrives, the
one case of a retry that certainly finds its first request applied (or being applied)."""

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

IMPATIENT = httpx.Timeout(0.25, connect=5.0)  # an action takes a second or more
RETRY_CODES = frozenset({"temporal_unavailable", "database_unavailable", "too_many_requests"})
NEW_KEY_CODES = frozenset({"not_recorded"})
BACKOFF_FIRST, BACKOFF_MAX = 0.2, 2.0
CONFLICT_PATIENCE = 30.0
SAMPLES = 10  # of each kind of failure, kept for the report


class ActionFailed(Exception):
    """The action got an answer no retry can change, or ran out of patience."""


@dataclass
class Tally:
    requests: int = 0
    impatient: int = 0  # first tries that gave up waiting on purpose
    retries: int = 0
    retried_actions: int = 0  # actions that needed more than one request
    new_keys: int = 0
    answers: Counter[str] = field(default_factory=Counter)  # "503 temporal_unavailable", "ReadTimeout"…
    unexpected_5xx: int = 0
    conflicts_after_retry: int = 0
    conflicts_first_try: int = 0
    wrong_stage: int = 0  # answers in a stage other than the one their action leads to
    samples: list[str] = field(default_factory=list)

    def sample(self, line: str) -> None:
        if len(self.samples) < SAMPLES * 4:
            self.samples.append(line)


def error_code(response: httpx.Response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


class Client:
    def __init__(
        self, http: httpx.AsyncClient, tally: Tally, patience: float, impatient_share: float, seed: int
    ) -> None:
        self.http, self.tally, self.patience, self.impatient_share = http, tally, patience, impatient_share
        self.random = random.Random(seed)
        self.in_flight = 0

    async def post(self, path: str, body: dict[str, Any], api_key: str) -> dict[str, Any]:
        """The answer (a case view) once the action is recorded; ActionFailed otherwise."""
        key, tries, wait = uuid.uuid4().hex, 0, BACKOFF_FIRST
        give_up, conflict_until = time.monotonic() + self.patience, None
        while True:
            tries += 1
            self.tally.requests += 1
            if tries > 1:
                self.tally.retries += 1
                self.tally.retried_actions += tries == 2
            headers = {"Authorization": f"Bearer {api_key}", "Idempotency-Key": key}
            impatient = tries == 1 and self.random.random() < self.impatient_share
            self.tally.impatient += impatient
            self.in_flight += 1
            try:
                if impatient:
                    response = await self.http.post(path, json=body, headers=headers, timeout=IMPATIENT)
                else:
                    response = await self.http.post(path, json=body, headers=headers)
            except httpx.TransportError as err:  # refused, reset, timed out
                self.tally.answers[type(err).__name__] += 1
            else:
                status, code = response.status_code, error_code(response)
                self.tally.answers[f"{status} {code}" if status >= 300 else str(status)] += 1
                if status < 300:
                    return response.json()
                if status >= 500 and status != 503:
                    self.tally.unexpected_5xx += 1
                    self.tally.sample(f"{status} {code} on POST {path} (try {tries}): {response.text[:300]}")
                elif status == 503 and code in NEW_KEY_CODES:
                    key = uuid.uuid4().hex
                    self.tally.new_keys += 1
                elif status == 409:
                    # one client drives each case, one action at a time: a conflict means the
                    # case is not where its answers said, and after a retry that the retry was
                    # taken as a second action. Counted once per action; the same request
                    # goes again for a while (a refusal records nothing), so that a workflow
                    # lagging behind the database does not also cost the case
                    if conflict_until is None:
                        conflict_until = time.monotonic() + CONFLICT_PATIENCE
                        if tries > 1:
                            self.tally.conflicts_after_retry += 1
                        else:
                            self.tally.conflicts_first_try += 1
                        self.tally.sample(f"409 {code} on POST {path} (try {tries}): {response.text[:300]}")
                    if time.monotonic() > conflict_until:
                        raise ActionFailed(f"409 {code} for {CONFLICT_PATIENCE:.0f} s: {response.text[:200]}")
                elif not (status in (503, 429) and code in RETRY_CODES):
                    self.tally.sample(f"{status} {code} on POST {path} (try {tries}): {response.text[:300]}")
                    raise ActionFailed(f"{status} {code}: {response.text[:200]}")
            finally:
                self.in_flight -= 1
            if time.monotonic() + wait > give_up:
                raise ActionFailed(f"no answer after {tries} tries in {self.patience:.0f} s")
            await asyncio.sleep(wait * self.random.uniform(0.5, 1.0))
            wait = min(wait * 2, BACKOFF_MAX)

    async def get(self, path: str, api_key: str) -> dict[str, Any] | None:
        """A read, once; None when it did not answer 200 (an outage, most likely)."""
        try:
            response = await self.http.get(path, headers={"Authorization": f"Bearer {api_key}"})
        except httpx.TransportError:
            return None
        return response.json() if response.status_code == 200 else None
