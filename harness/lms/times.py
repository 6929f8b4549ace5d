"""LMS timestamps to timezone-aware datetimes, and back to short human text.

Rules (the same everywhere in `harness.lms`):

- A time with an offset (``2026-10-01T23:59:00+09:00``, ``... Z``) means exactly that.
- A time without one is interpreted in the time zone the caller names (``tz=``: an IANA
  name such as ``Asia/Seoul``, ``UTC``, or a fixed offset such as ``+09:00``); without
  a zone it is an error (`NaiveTimeError`), never a silent guess. In a DST gap or
  overlap the earlier reading (``fold=0``) is used.
- A date without a time of day is refused: say ``2026-10-01T23:59``, not ``2026-10-01``.
- Blackboard receipts end with a zone abbreviation (``KST``, ``EST``, ``BST``...): the
  unambiguous ones are mapped to their offsets (`TZ_ABBREVIATIONS`); ambiguous ones
  (``CST``, ``IST``) need ``tz=``.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Only abbreviations that mean one offset worldwide; CST (US/China), IST (India/Ireland/
# Israel) and the like are left out on purpose.
TZ_ABBREVIATIONS: dict[str, int] = {  # minutes east of UTC
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 60, "BST": 60, "CET": 60, "CEST": 120, "EET": 120,
    "EEST": 180, "MSK": 180, "SGT": 480, "HKT": 480, "AWST": 480, "KST": 540, "JST": 540, "ACST": 570,
    "AEST": 600, "AEDT": 660, "NZST": 720, "NZDT": 780, "HST": -600, "AKST": -540, "AKDT": -480,
    "PST": -480, "PDT": -420, "MST": -420, "MDT": -360, "CDT": -300, "EST": -300, "EDT": -240,
}

_MONTHS = {name: i for i, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], 1)}
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?"
                  r"\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?\s*$", re.IGNORECASE)
_BB_DAY_FIRST = re.compile(r"^(?:[A-Za-z]+,\s*)?(\d{1,2})\s+([A-Za-z]+)\s+(\d{4}),?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
                           r"(?:\s*o'clock)?(?:\s+([A-Za-z]{1,5}))?\s*$")
_BB_MONTH_FIRST = re.compile(r"^(?:[A-Za-z]+,\s*)?([A-Za-z]+)\s+(\d{1,2}),?\s+(\d{4}),?\s+"
                             r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?(?:\s+([A-Za-z]{1,5}))?\s*$")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)\b",
                       re.IGNORECASE)


class NaiveTimeError(ValueError):
    """A time without a UTC offset, and no time zone to read it in."""


def resolve_tz(tz: str | tzinfo | None) -> tzinfo | None:
    """A `tzinfo` from an IANA name (``Asia/Seoul``), ``UTC``, an offset (``+09:00``) or a tzinfo.

    Raises:
        ValueError: naming the zone received and the accepted spellings.
    """
    if tz is None or isinstance(tz, tzinfo):
        return tz
    text = str(tz).strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    m = re.fullmatch(r"(?:UTC)?([+-])(\d{1,2})(?::?(\d{2}))?", text, re.IGNORECASE)
    if m:
        minutes = int(m.group(2)) * 60 + int(m.group(3) or 0)
        return timezone(timedelta(minutes=minutes if m.group(1) == "+" else -minutes))
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Unknown time zone {text!r}. Use an IANA name such as 'Asia/Seoul' or 'America/New_York', "
                         f"'UTC', or a fixed offset such as '+09:00'.") from None


def _offset(text: str) -> tzinfo:
    if text.upper() in ("Z", "UTC"):
        return timezone.utc
    sign = 1 if text[0] == "+" else -1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:4] or 0)
    return timezone(sign * timedelta(minutes=minutes))


def _localize(naive: datetime, tz: str | tzinfo | None, received: str) -> datetime:
    zone = resolve_tz(tz)
    if zone is None:
        raise NaiveTimeError(f"The time {received!r} has no UTC offset and no time zone was given to read it in; "
                             f"add an offset (e.g. '+09:00') or pass the LMS's time zone (e.g. tz='Asia/Seoul').")
    return naive.replace(tzinfo=zone, fold=0)


def parse_iso(text: str, *, tz: str | tzinfo | None = None) -> datetime:
    """Parses an ISO-8601 date-time (``T`` or a space between date and time; any
    number of fractional digits; ``Z``, ``+09:00`` or ``+0900``; Ruby/YAML's
    ``2026-10-01 14:22:32.365935000 -07:00``).

    Args:
        text: the time.
        tz: the zone a time without offset is read in (see the module docstring).

    Returns:
        A timezone-aware datetime.

    Raises:
        NaiveTimeError: no offset and no `tz`.
        ValueError: not an ISO-8601 date-time, or a date alone; the message echoes it.
    """
    m = _ISO.match(str(text))
    if not m:
        raise ValueError(f"Not an ISO-8601 date-time: {text!r}; write e.g. '2026-10-01T23:59+09:00'.")
    year, month, day, hour, minute, second, frac, off = m.groups()
    if hour is None:
        raise ValueError(f"{text!r} is a date without a time of day; write e.g. '{text.strip()}T23:59' so the "
                         f"deadline is unambiguous.")
    micro = int((frac or "0")[:6].ljust(6, "0"))
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0), micro)
    except ValueError as exc:
        raise ValueError(f"Not a valid date-time: {text!r} ({exc}).") from None
    if off:
        return naive.replace(tzinfo=_offset(off))
    return _localize(naive, tz, str(text))


def parse_blackboard_date(text: str, *, tz: str | tzinfo | None = None) -> datetime:
    """Parses a Blackboard receipt's ``Date Submitted``.

    Both locales Blackboard writes are read: ``Monday, 7 October 2024 23:41:07 o'clock KST``
    (day first, 24 h) and ``Thursday, December 12, 2024 1:22:26 PM EST`` (month first,
    12 h). The trailing abbreviation wins when it is in `TZ_ABBREVIATIONS`; otherwise
    `tz` is used.

    Raises:
        NaiveTimeError: the abbreviation is missing or ambiguous and no `tz` was given.
        ValueError: not a date in either format; the message echoes it.
    """
    raw = str(text).strip()
    m = _BB_DAY_FIRST.match(raw)
    ampm = None
    if m:
        day, month_name, year, hour, minute, second, abbrev = m.groups()
    else:
        m = _BB_MONTH_FIRST.match(raw)
        if not m:
            raise ValueError(f"Not a Blackboard date: {raw!r} (expected e.g. 'Monday, 7 October 2024 23:41:07 "
                             f"o'clock KST' or 'Thursday, December 12, 2024 1:22:26 PM EST').")
        month_name, day, year, hour, minute, second, ampm, abbrev = m.groups()
    month = _MONTHS.get(month_name.lower()) or next(
        (i for name, i in _MONTHS.items() if len(month_name) >= 3 and name.startswith(month_name.lower())), None)
    if month is None:
        raise ValueError(f"Unknown month {month_name!r} in Blackboard date {raw!r}.")
    h = int(hour)
    if ampm:
        h = h % 12 + (12 if ampm.upper() == "PM" else 0)
    try:
        naive = datetime(int(year), month, int(day), h, int(minute), int(second or 0))
    except ValueError as exc:
        raise ValueError(f"Not a valid date in {raw!r} ({exc}).") from None
    if abbrev and abbrev.upper() in TZ_ABBREVIATIONS:
        return naive.replace(tzinfo=timezone(timedelta(minutes=TZ_ABBREVIATIONS[abbrev.upper()])))
    return _localize(naive, tz, raw)


def parse_duration(text: str | float | int | timedelta) -> timedelta:
    """``"15min"``, ``"2h"``, ``"1d 6h"``, ``"90s"``, ``0`` -> a timedelta.

    Raises:
        ValueError: no unit, or an unknown one; the message echoes the input.
    """
    if isinstance(text, timedelta):
        return text
    raw = str(text).strip()
    if raw in ("", "0"):
        return timedelta(0)
    total = timedelta(0)
    pos = 0
    for m in _DURATION.finditer(raw):
        if raw[pos:m.start()].strip(" ,"):
            break
        value, unit = float(m.group(1)), m.group(2).lower()
        total += timedelta(days=value) if unit.startswith("d") else timedelta(hours=value) if unit.startswith("h") \
            else timedelta(minutes=value) if unit.startswith("m") else timedelta(seconds=value)
        pos = m.end()
    if pos == 0 or raw[pos:].strip(" ,"):
        raise ValueError(f"Not a duration: {raw!r}; write e.g. '15min', '2h', '1d' or '1d 6h'.")
    return total


def format_local(moment: datetime, tz: str | tzinfo | None = None) -> str:
    """``2026-10-01 23:59 KST``: the moment in `tz` (its own zone when None), to the minute."""
    zone = resolve_tz(tz)
    local = moment.astimezone(zone) if zone is not None else moment
    name = local.strftime("%Z")
    if not name or re.fullmatch(r"UTC[+-]\d\d:\d\d", name):  # a bare offset: "+09:00", not "UTC+09:00"
        offset = local.strftime("%z")
        name = f"{offset[:3]}:{offset[3:5]}" if offset else ""
    return f"{local:%Y-%m-%d %H:%M} {name}".rstrip()


def format_span(span: timedelta) -> str:
    """``1 day 3 h``, ``5 h 12 min``, ``42 min``, ``30 s``: a lateness, rounded down to
    the largest two units."""
    seconds = max(0, int(span.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''}" + (f" {hours} h" if hours else "")
    if hours:
        return f"{hours} h" + (f" {minutes} min" if minutes else "")
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"
