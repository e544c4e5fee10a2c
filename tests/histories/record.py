"""Records workflow histories for tests/integration/test_replay.py: runs the lifecycle
path tests with RECORD_HISTORIES set, into one folder per workflow generation.

    make histories GEN=v2      (or: python -m tests.histories.record v2)

Histories of earlier generations stay: they stand for cases still running on older
code, which every later generation must replay (through workflow.patched()).
"""

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# the tests whose cases walk the paths of the lifecycle and of the SLA ladder
PATH_TESTS = ("test_case_paths", "test_timers", "test_sla_ladder", "test_supervision", "test_field_work")

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = HERE / sys.argv[1]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ["RECORD_HISTORIES"] = str(folder)
    sys.exit(pytest.main(["-q", *(f"tests/integration/{name}.py" for name in PATH_TESTS)]))
