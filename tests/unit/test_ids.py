import threading

from server.ids import EPOCH_MS, IdGenerator, id_for_time, id_time_ms, parse_id, parse_uint63


def test_ids_increase_and_carry_their_time():
    clock = [EPOCH_MS / 1000 + 100.0]
    gen = IdGenerator(shard=5, clock=lambda: clock[0])
    first = gen.next_id()
    second = gen.next_id()
    assert second > first
    assert id_time_ms(first) == EPOCH_MS + 100_000
    assert (first >> 10) & 0x1FFF == 5
    clock[0] += 1
    assert gen.next_id() > second


def test_sequence_overflow_waits_for_next_millisecond():
    ticks = iter([1.0 + EPOCH_MS / 1000] * 1030 + [1.002 + EPOCH_MS / 1000] * 10)
    gen = IdGenerator(clock=lambda: next(ticks))
    ids = [gen.next_id() for _ in range(1025)]
    assert len(set(ids)) == 1025
    assert ids == sorted(ids)


def test_unique_across_threads():
    gen = IdGenerator()
    out: list[int] = []

    def make():
        out.extend(gen.next_id() for _ in range(5000))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(out)) == 20_000


def test_parse_id_refuses_garbage():
    assert parse_id("123") == 123
    for bad in (None, "", "-1", "0", "12a", "1e5", "9" * 20, str(1 << 63), "\u00b3", "1\u00b2", "\u0663", "\uff11",
                " 1", "+1", "1" * 5000):
        assert parse_id(bad) is None
    assert parse_id(str((1 << 63) - 1)) == (1 << 63) - 1


def test_parse_uint63_takes_ascii_digits_below_2_63_only():
    assert parse_uint63("0") == 0 and parse_uint63("007") == 7
    for bad in (None, 5, "", "\u00b3", "\u0663", "1" * 20, str(1 << 63), "1_000", "1.0"):
        assert parse_uint63(bad) is None


def test_id_for_time_bounds_ids():
    gen = IdGenerator()
    import time

    before = id_for_time(time.time() - 1)
    assert gen.next_id() > before
