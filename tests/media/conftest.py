import signal
import sys
from pathlib import Path

import pytest

# `tests.fixtures` must import however pytest was started (python -m pytest or pytest).
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

# A hostile file must never hang the pipeline: any test running longer fails.
TEST_TIME_LIMIT_SECONDS = 60


@pytest.fixture(autouse=True)
def fail_if_hanging():
    def on_alarm(signum, frame):
        raise TimeoutError(f"test exceeded {TEST_TIME_LIMIT_SECONDS} s: the pipeline hung")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TEST_TIME_LIMIT_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)
