"""Time, sans-I/O: durations, times of day, 5-field cron schedules and NOAA sunrise/sunset."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY = 86_400

_UNITS = {
    "ms": 0.001,
    "s": 1,
    "sec": 1,
    "secs": 1,
    "second": 1,
    "seconds": 1,
    "m": 60,
    "min": 60,
    "mins": 60,
    "minute": 60,
    "minutes": 60,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "hour": 3600,
    "hours": 3600,
    "d": DAY,
    "day": DAY,
    "days": DAY,
}
_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_duration(value: object) -> float:
    """Seconds in "10m", "1h 30m", "90s", "2 minutes", "00:10:00" or a plain number; ValueError if bad."""
    if isinstance(value, bool):
        raise ValueError("a duration must be like 30s, 10m or 1h30m, not a boolean")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _duration_text(value.strip().lower())
    else:
        raise ValueError(f"a duration must be like 30s, 10m or 1h30m, not {type(value).__name__}")
    if seconds < 0 or math.isinf(seconds) or math.isnan(seconds):
        raise ValueError("a duration must not be negative")
    return seconds


def _duration_text(text: str) -> float:
    clock = _CLOCK.fullmatch(text)
    if clock is not None:
        hours, minutes, seconds = int(clock[1]), int(clock[2]), int(clock[3] or 0)
        return float(hours * 3600 + minutes * 60 + seconds)
    try:
        return float(text)
    except ValueError:
        pass
    total, position = 0.0, 0
    for part in _PART.finditer(text):
        if part.start() != position or part[2] not in _UNITS:
            break
        total += float(part[1]) * _UNITS[part[2]]
        position = part.end()
    if position != len(text) or not text:
        raise ValueError(f"{text!r} is not a duration (write e.g. 30s, 10m, 1h30m or 2 minutes)")
    return total


def parse_time_of_day(value: object) -> int:
    """Seconds after midnight of "07:30" or "07:30:15"; ValueError if bad."""
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 07:30 as the base-60 number 450: the intent is lost, so ask for quotes.
        raise ValueError('write times of day in quotes, e.g. "07:30"')
    match = _CLOCK.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{value!r} is not a time of day (write e.g. "07:30" or "22:15:00")')
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{value!r} is not a time of day (hours 0-23, minutes and seconds 0-59)")
    return hours * 3600 + minutes * 60 + seconds


def seconds_of_day(now: float) -> float:
    """Seconds since local midnight of an epoch time."""
    moment = datetime.fromtimestamp(now)
    return moment.hour * 3600 + moment.minute * 60 + moment.second + moment.microsecond / 1e6


def local_midnight(now: float, days: int = 0) -> float:
    """The epoch time of local midnight starting the day of `now` (plus `days` days)."""
    day = datetime.fromtimestamp(now).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day).timestamp()


def next_time_of_day(seconds: int, now: float) -> float:
    """The first epoch time after `now` when the local clock shows `seconds` after midnight."""
    for days in range(3):  # DST days are 23 or 25 hours long: three days always hold the next one
        moment = datetime.combine(
            datetime.fromtimestamp(now).date() + timedelta(days=days), datetime.min.time()
        ) + timedelta(seconds=seconds)
        at = moment.timestamp()
        if at > now:
            return at
    raise AssertionError("unreachable")


# --- cron ---------------------------------------------------------------------------------------------------

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("weekday", 0, 7))


@dataclass(frozen=True, slots=True)
class Cron:
    """A 5-field cron schedule (minute hour day month weekday), each field the set of values it allows."""

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool
    any_weekday: bool

    @classmethod
    def parse(cls, text: str) -> Cron:
        """Parse "*/5 * * * *", "30 7 * * mon-fri", "0 22 1,15 * *"; ValueError naming the bad field."""
        fields = text.split()
        if len(fields) != 5:
            raise ValueError(f"{text!r} needs 5 fields: minute hour day month weekday")
        sets = [_cron_field(f, *spec) for f, spec in zip(fields, _FIELDS, strict=True)]
        weekdays = frozenset(d % 7 for d in sets[4])
        return cls(text, sets[0], sets[1], sets[2], sets[3], weekdays, fields[2] == "*", fields[4] == "*")

    def day_matches(self, day: date) -> bool:
        """Whether the schedule runs on this day (classic cron: a restricted day OR weekday matches)."""
        if day.month not in self.months:
            return False
        in_month, in_week = day.day in self.days, (day.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return in_month and in_week
        return in_month or in_week

    def next_after(self, now: float) -> float:
        """The first epoch time strictly after `now` that the schedule matches (local time)."""
        start = datetime.fromtimestamp(now).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = start.date()
        for _ in range(366 * 8):  # 29 February on a given weekday can be years away
            if self.day_matches(day):
                for hour in sorted(self.hours):
                    for minute in sorted(self.minutes):
                        moment = datetime(day.year, day.month, day.day, hour, minute)
                        if moment >= start:
                            return moment.timestamp()
            day += timedelta(days=1)
        raise ValueError(f"cron {self.text!r} never runs")


def _cron_field(text: str, name: str, low: int, high: int) -> frozenset[int]:
    values: set[int] = set()
    for part in text.lower().split(","):
        body, _, step_text = part.partition("/")
        step = _cron_number(step_text, name, 1, high) if step_text else 1
        if body == "*":
            first, last = low, high
        elif "-" in body:
            a, _, b = body.partition("-")
            first, last = _cron_number(a, name, low, high), _cron_number(b, name, low, high)
            if first > last:
                raise ValueError(f"{name} range {body!r} runs backwards")
        else:
            first = _cron_number(body, name, low, high)
            last = high if step_text else first
        values.update(range(first, last + 1, step))
    return frozenset(values)


def _cron_number(text: str, name: str, low: int, high: int) -> int:
    names = _MONTHS if name == "month" else WEEKDAYS if name == "weekday" else ()
    if text in names:
        return names.index(text) + (1 if name == "month" else 0)
    if not text.isdigit() or not low <= int(text) <= high:
        raise ValueError(f"{name} {text!r} must be a number from {low} to {high}")
    return int(text)


# --- sun ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Location:
    """Where the home is, for sunrise and sunset."""

    latitude: float
    longitude: float


def sun_event(day: date, location: Location, event: str) -> float | None:
    """Epoch time of "sunrise" or "sunset" on a date (NOAA equations); None in polar day or night."""
    lat = math.radians(location.latitude)
    # Julian century of the approximate local solar noon of that day.
    jd = day.toordinal() + 1721424.5 + 0.5 - location.longitude / 360
    t = (jd - 2451545.0) / 36525
    mean_long = (280.46646 + t * (36000.76983 + t * 0.0003032)) % 360
    anomaly = math.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    ecc = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    centre = (
        math.sin(anomaly) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + math.sin(2 * anomaly) * (0.019993 - 0.000101 * t)
        + math.sin(3 * anomaly) * 0.000289
    )
    omega = math.radians(125.04 - 1934.136 * t)
    apparent = math.radians(mean_long + centre - 0.00569 - 0.00478 * math.sin(omega))
    obliquity = 23 + (26 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60) / 60
    obliquity = math.radians(obliquity + 0.00256 * math.cos(omega))
    declination = math.asin(math.sin(obliquity) * math.sin(apparent))
    y = math.tan(obliquity / 2) ** 2
    l0 = math.radians(mean_long)
    eq_time = 4 * math.degrees(
        y * math.sin(2 * l0)
        - 2 * ecc * math.sin(anomaly)
        + 4 * ecc * y * math.sin(anomaly) * math.cos(2 * l0)
        - 0.5 * y * y * math.sin(4 * l0)
        - 1.25 * ecc * ecc * math.sin(2 * anomaly)
    )
    # 90.833°: the sun's upper limb at the horizon, with atmospheric refraction.
    cos_ha = math.cos(math.radians(90.833)) / (math.cos(lat) * math.cos(declination)) - math.tan(
        lat
    ) * math.tan(declination)
    if not -1 <= cos_ha <= 1:
        return None
    hour_angle = math.degrees(math.acos(cos_ha))
    noon = 720 - 4 * location.longitude - eq_time  # minutes after UTC midnight
    minutes = noon - 4 * hour_angle if event == "sunrise" else noon + 4 * hour_angle
    return datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() + minutes * 60


def sun_on_local_day(now: float, location: Location, event: str, days: int = 0) -> float | None:
    """Epoch time of the sun event on the local day of `now` (plus `days`)."""
    day = datetime.fromtimestamp(now).date() + timedelta(days=days)
    return sun_event(day, location, event)


def next_sun(now: float, location: Location, event: str, offset: float) -> float | None:
    """The first epoch time after `now` of the sun event plus `offset` seconds; None if none within a year."""
    for days in range(-1, 367):
        at = sun_on_local_day(now, location, event, days)
        if at is not None and at + offset > now:
            return at + offset
    return None
