"""The committed histories of the review and complaint workflows, one folder per
generation under tests/histories/periodic_review/ and tests/histories/complaint/, apart
from the case workflow's (tests/histories/<generation>/, which test_replay.py replays).
To record a generation:

    RECORD_HISTORIES=tests/histories/v2 .venv/bin/python -m pytest \
        tests/integration/test_periodic_reviews.py tests/integration/test_review_schedules.py \
        tests/integration/test_complaints.py
"""

import asyncio
import os
from pathlib import Path

from temporalio.client import Client

HISTORIES = Path(__file__).parent.parent / "histories" / "periodic_review"
COMPLAINT_HISTORIES = Path(__file__).parent.parent / "histories" / "complaint"


async def keep_history(client: Client, workflow_id: str, name: str, root: Path = HISTORIES) -> None:
    """With RECORD_HISTORIES=<dir>/<generation>, keep the run's history in that generation."""
    folder = os.environ.get("RECORD_HISTORIES")
    if not folder:
        return
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    target = root / Path(folder).name
    target.mkdir(parents=True, exist_ok=True)
    await asyncio.to_thread((target / f"{name}.json").write_text, history.to_json())
