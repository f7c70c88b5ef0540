"""When something happened, as people read it: "now", "5 m", "3 h", "2 d", "3 w", then a date.

Pure functions of a server timestamp and the clock (given, so tests can fix both), shown in the viewer's time
zone. No Flet here: ``ui.components.when`` draws them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 7 * 86400
# Past four weeks a count of weeks stops meaning much: the date itself is shown.
WEEKS_UP_TO = 4
# A timestamp up to this far ahead of our clock is the two clocks disagreeing: it happened "now".
CLOCK_SKEW = timedelta(days=1)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
FULL_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def parse(timestamp: str | datetime | None) -> datetime | None:
    """A server timestamp (ISO 8601; one without a zone is UTC) as an aware datetime; None if unreadable."""
    if isinstance(timestamp, datetime):
        moment = timestamp
    else:
        try:
            moment = datetime.fromisoformat((timestamp or "").strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def relative(timestamp: str | datetime | None, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """"now", "5 m", "3 h", "2 d", "3 w"; older (or far in the future): the date in ``tz`` (local by default),
    without the year when it is this year's. An unreadable timestamp gives ""."""
    moment = parse(timestamp)
    if moment is None:
        return ""
    now = now if now is not None and now.tzinfo is not None else (now or datetime.now()).astimezone()
    seconds = (now - moment).total_seconds()
    if seconds < 0:  # the server's clock is ahead of ours
        return "now" if -seconds <= CLOCK_SKEW.total_seconds() else short_date(moment, now, tz)
    for unit, size, limit in (("m", MINUTE, HOUR), ("h", HOUR, DAY), ("d", DAY, WEEK), ("w", WEEK, (WEEKS_UP_TO + 1) * WEEK)):
        if seconds < limit:
            return "now" if seconds < MINUTE else f"{int(seconds // size)} {unit}"
    return short_date(moment, now, tz)


def short_date(moment: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """"12 Mar" this year, "12 Mar 2025" another year (in ``tz``)."""
    local, today = moment.astimezone(tz), now.astimezone(tz)
    day = f"{local.day} {MONTHS[local.month - 1]}"
    return day if local.year == today.year else f"{day} {local.year}"


def full(timestamp: str | datetime | None, tz: tzinfo | None = None) -> str:
    """"3 December 2026, 05:09" in ``tz`` (local by default): what a tooltip shows. "" if unreadable."""
    moment = parse(timestamp)
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    return f"{local.day} {FULL_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"
