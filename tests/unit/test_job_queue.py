"""What only the database job queue does (crash recovery by pid), and the backoff schedule.

The behaviour every queue shares is in tests/contract/test_jobs_contract.py."""

import pytest

from server.jobs import base as jobs_base
from server.jobs.database import DatabaseJobQueue
from server.stores.sqlite import SQLiteDatabase


@pytest.fixture
async def queue(tmp_path):
    db = SQLiteDatabase(f"sqlite:///{tmp_path}/jobs.db", synchronous="normal")
    await db.open()
    yield DatabaseJobQueue(db)
    await db.close()


def test_backoff_grows_and_is_capped():
    delays = [jobs_base.backoff_ms(n) for n in range(1, 15)]
    assert delays == sorted(delays)
    assert delays[0] == 2_000 and delays[-1] == 600_000


async def test_jobs_of_a_crashed_process_on_this_host_resume_at_once(queue):
    from server.jobs.database import HOST

    await queue.enqueue("work", {"n": 1})
    await queue.enqueue("work", {"n": 2})
    await queue.claim(2)
    # Job 1 was held by a process that no longer exists; job 2 by this live process (a worker).
    jobs = await queue.list_jobs("running")
    await queue.db.write(lambda conn: conn.execute("UPDATE jobs SET locked_by = ? WHERE id = ?", (f"{HOST}:999999999:1", jobs[1].id)))
    assert await queue.recover_orphans() == 1
    [ready] = await queue.claim(1)
    assert ready.id == jobs[1].id
