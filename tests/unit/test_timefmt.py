"""Relative times ("now", "5 m", "3 h", "2 d", "3 w", then a date) and the full date of a tooltip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from ui.timefmt import full, relative

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
TOKYO = timezone(timedelta(hours=9))
NEW_YORK = timezone(timedelta(hours=-5))


def ago(**delta) -> str:
    return (NOW - timedelta(**delta)).isoformat()


@pytest.mark.parametrize("delta, shown", [
    (dict(seconds=0), "now"), (dict(seconds=59), "now"), (dict(seconds=60), "1 m"), (dict(minutes=5, seconds=59), "5 m"),
    (dict(minutes=59, seconds=59), "59 m"), (dict(hours=1), "1 h"), (dict(hours=23, minutes=59), "23 h"),
    (dict(hours=24), "1 d"), (dict(days=6, hours=23), "6 d"), (dict(days=7), "1 w"), (dict(days=20), "2 w"),
    (dict(days=34), "4 w"), (dict(days=35), "29 Oct"), (dict(days=400), "29 Oct 2025"),
])
def test_boundaries(delta, shown):
    assert relative(ago(**delta), NOW, timezone.utc) == shown


def test_a_server_clock_ahead_of_ours_is_now_and_far_future_is_a_date():
    assert relative((NOW + timedelta(minutes=3)).isoformat(), NOW, timezone.utc) == "now"
    assert relative((NOW + timedelta(hours=23)).isoformat(), NOW, timezone.utc) == "now"
    assert relative((NOW + timedelta(days=40)).isoformat(), NOW, timezone.utc) == "12 Jan 2027"


def test_server_formats_z_offsets_and_naive_utc():
    assert relative("2026-12-03T09:00:00Z", NOW) == "3 h"
    assert relative("2026-12-03T10:00:00+01:00", NOW) == "3 h"
    assert relative("2026-12-03 09:00:00", NOW) == "3 h"  # no zone: the server's UTC
    assert relative("2026-12-03T08:59:59.500000+00:00", NOW) == "3 h"


def test_unreadable_is_empty():
    assert relative("", NOW) == relative(None, NOW) == relative("yesterday", NOW) == ""
    assert full("not a date") == ""


def test_dates_and_full_dates_are_in_the_viewers_time_zone():
    late = "2026-10-01T23:30:00Z"  # already 2 October in Tokyo, still 1 October in New York
    assert relative(late, NOW, TOKYO) == "2 Oct"
    assert relative(late, NOW, NEW_YORK) == "1 Oct"
    assert full(late, TOKYO) == "2 October 2026, 08:30"
    assert full(late, NEW_YORK) == "1 October 2026, 18:30"
    # The year is the viewer's: New Year's Eve in UTC is already next year in Tokyo.
    assert relative("2025-12-31T20:00:00Z", NOW, TOKYO) == "1 Jan"
    assert relative("2025-12-31T20:00:00Z", NOW, timezone.utc) == "31 Dec 2025"


def test_a_naive_clock_is_local_time():
    moment = datetime.now().astimezone() - timedelta(hours=2)
    assert relative(moment.isoformat()) == "2 h"
    assert relative(moment.isoformat(), datetime.now()) == "2 h"
