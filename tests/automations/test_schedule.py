"""Durations, times of day, cron and sunrise/sunset, without I/O."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from devices.automations.schedule import (
    Cron,
    Location,
    next_sun,
    next_time_of_day,
    parse_duration,
    parse_time_of_day,
    sun_event,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("10m", 600),
        ("1h30m", 5400),
        ("1h 30m", 5400),
        ("90s", 90),
        ("2 minutes", 120),
        ("00:10:00", 600),
        (45, 45),
        ("1.5h", 5400),
        ("250ms", 0.25),
        ("1 day", 86400),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["10 parsecs", "m10", "", "-5m", True, [1]])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)


def test_times_of_day() -> None:
    assert parse_time_of_day("07:30") == 7 * 3600 + 30 * 60
    assert parse_time_of_day("23:59:59") == 86399
    for bad in ("24:00", "7.30", "noon", "07:60"):
        with pytest.raises(ValueError):
            parse_time_of_day(bad)
    with pytest.raises(ValueError, match="quotes"):
        parse_time_of_day(450)  # YAML's reading of an unquoted 07:30


def test_next_time_of_day_is_today_or_tomorrow() -> None:
    morning = datetime(2026, 3, 2, 6, 0).timestamp()
    assert datetime.fromtimestamp(next_time_of_day(7 * 3600, morning)) == datetime(2026, 3, 2, 7, 0)
    evening = datetime(2026, 3, 2, 8, 0).timestamp()
    assert datetime.fromtimestamp(next_time_of_day(7 * 3600, evening)) == datetime(2026, 3, 3, 7, 0)


def _next(cron: str, after: datetime) -> datetime:
    return datetime.fromtimestamp(Cron.parse(cron).next_after(after.timestamp()))


def test_cron_steps_ranges_lists_and_names() -> None:
    start = datetime(2026, 3, 2, 10, 7)  # a Monday
    assert _next("*/15 * * * *", start) == datetime(2026, 3, 2, 10, 15)
    assert _next("0 8 * * mon-fri", start) == datetime(2026, 3, 3, 8, 0)
    assert _next("30 7 * * sat,sun", start) == datetime(2026, 3, 7, 7, 30)
    assert _next("0 0 1 * *", start) == datetime(2026, 4, 1, 0, 0)
    assert _next("0 12 * jun *", start) == datetime(2026, 6, 1, 12, 0)
    assert _next("5-10/5 10 * * *", start) == datetime(2026, 3, 2, 10, 10)
    # Day of month and weekday both restricted: either one matches (classic cron).
    assert _next("0 9 13 * fri", start) == datetime(2026, 3, 6, 9, 0)


@pytest.mark.parametrize(
    "bad",
    [
        "* * * *",
        "60 * * * *",
        "* 24 * * *",
        "* * 0 * *",
        "* * * 13 *",
        "* * * * 8",
        "5-1 * * * *",
        "x * * * *",
    ],
)
def test_bad_cron(bad: str) -> None:
    with pytest.raises(ValueError):
        Cron.parse(bad)


def _utc(epoch: float | None) -> datetime:
    assert epoch is not None
    return datetime.fromtimestamp(epoch, UTC)


def _near(got: datetime, want: datetime, minutes: float = 2) -> bool:
    return abs((got - want).total_seconds()) <= minutes * 60


def test_sun_times_match_published_tables() -> None:
    berlin = Location(52.52, 13.405)
    assert _near(
        _utc(sun_event(date(2024, 6, 21), berlin, "sunrise")), datetime(2024, 6, 21, 2, 43, tzinfo=UTC)
    )
    assert _near(
        _utc(sun_event(date(2024, 6, 21), berlin, "sunset")), datetime(2024, 6, 21, 19, 33, tzinfo=UTC)
    )
    london = Location(51.5074, -0.1278)
    assert _near(
        _utc(sun_event(date(2024, 12, 21), london, "sunrise")), datetime(2024, 12, 21, 8, 4, tzinfo=UTC)
    )
    assert _near(
        _utc(sun_event(date(2024, 12, 21), london, "sunset")), datetime(2024, 12, 21, 15, 54, tzinfo=UTC)
    )


def test_polar_night_has_no_sunrise() -> None:
    tromso = Location(69.65, 18.96)
    assert sun_event(date(2024, 12, 21), tromso, "sunrise") is None
    after = next_sun(datetime(2024, 12, 21, 12, 0).timestamp(), tromso, "sunrise", 0)
    assert after is not None and datetime.fromtimestamp(after).month == 1


def test_next_sun_with_offset() -> None:
    berlin = Location(52.52, 13.405)
    noon = datetime(2024, 6, 21, 12, 0).timestamp()
    sunset = sun_event(date(2024, 6, 21), berlin, "sunset")
    assert sunset is not None
    assert next_sun(noon, berlin, "sunset", -1800) == sunset - 1800
