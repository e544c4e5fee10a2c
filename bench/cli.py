"""How a benchmark's command line runs it: the same for each of them."""

import asyncio
import logging
import os
import time
import traceback
from collections.abc import Coroutine
from typing import Any


def say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def run(bench: Coroutine[Any, Any, bool]) -> int:
    """Runs `bench` with a clean environment; exit code 0 when it holds, 1 when it found a
    fault, 2 when it failed, 130 when interrupted (Ctrl-C, SIGTERM)."""
    # a developer's exported REPAIRFLOW_* must not change what is measured
    for name in [n for n in os.environ if n.startswith("REPAIRFLOW_")]:
        del os.environ[name]
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    started = time.monotonic()
    try:
        ok = asyncio.run(bench)
    except (KeyboardInterrupt, asyncio.CancelledError):
        say("interrupted; everything stopped")
        return 130
    except Exception:
        traceback.print_exc()
        say("failed; everything stopped")
        return 2
    finally:
        say(f"run took {time.monotonic() - started:.1f} s")
    return 0 if ok else 1
