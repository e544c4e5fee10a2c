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

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    folder = HERE / sys.argv[1]
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ["RECORD_HISTORIES"] = str(folder)
    sys.exit(pytest.main(["-q", "tests/integration/test_case_paths.py", "tests/integration/test_timers.py"]))
