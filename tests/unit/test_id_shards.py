"""Every process sharing a database makes ids with its own leased shard."""

import asyncio

from server.ids import SEQUENCE_BITS, SHARD_BITS
from server.id_shards import ShardLease
from server.stores.sqlite import SQLiteDatabase


def shard_of(id_: int) -> int:
    return (id_ >> SEQUENCE_BITS) & ((1 << SHARD_BITS) - 1)


async def test_live_processes_get_distinct_shards_and_freed_ones_are_reused(tmp_path):
    db = SQLiteDatabase(f"sqlite:///{tmp_path}/ids.db", synchronous="normal")
    await db.open()
    try:
        leases = [ShardLease(db) for _ in range(3)]
        for index, lease in enumerate(leases):
            lease.holder = f"process-{index}"
        generators = [await lease.acquire() for lease in leases]
        assert sorted(lease.shard for lease in leases) == [0, 1, 2]
        made = [generator.next_id() for generator in generators for _ in range(2000)]
        assert len(set(made)) == len(made)
        assert {shard_of(id_) for id_ in made} == {0, 1, 2}

        await leases[1].release()
        newcomer = ShardLease(db)
        newcomer.holder = "process-3"
        await newcomer.acquire()
        assert newcomer.shard == 1  # a freed shard is reused; the live ones are not
        for lease in (leases[0], leases[2], newcomer):
            await lease.release()
    finally:
        await db.close()


async def test_a_dead_process_keeps_its_shard_until_the_lease_runs_out(tmp_path):
    db = SQLiteDatabase(f"sqlite:///{tmp_path}/ids.db", synchronous="normal")
    await db.open()
    try:
        crashed = ShardLease(db)
        crashed.holder = "crashed"
        await crashed.acquire()
        crashed._renewer.cancel()  # it dies without releasing
        await asyncio.sleep(0)
        successor = ShardLease(db)
        await successor.acquire()
        assert successor.shard != crashed.shard
        await db.write(lambda conn: conn.execute("UPDATE id_shards SET expires_at = 1 WHERE holder = 'crashed'"))
        third = ShardLease(db)
        await third.acquire()
        assert third.shard == crashed.shard
        await successor.release()
        await third.release()
    finally:
        await db.close()
