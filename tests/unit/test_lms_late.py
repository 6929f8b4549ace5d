"""The late policy: one test per rule (per day, per hour, cap, hard deadline, grace,
extension, missing time), the due-date parsing rules and the extensions CSV."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from harness.lms.late import ExtensionError, LatePolicy, make_policy, read_extensions
from harness.lms.times import NaiveTimeError, format_span, parse_blackboard_date, parse_duration, parse_iso

KST = timezone(timedelta(hours=9))
DUE = "2026-10-01T23:59"  # read in Asia/Seoul


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=KST)


def test_per_day_penalty_counts_days_started():
    policy = make_policy(due=DUE, tz="Asia/Seoul", per="day", rate=0.1)
    r = policy.apply(at(3, 3, 0), raw_score=8.0, max_score=10.0)  # 1 day 3 h 1 min late: two days started
    assert (r.status, r.units, r.fraction, r.points, r.final(8.0)) == ("late", 2, 0.2, 1.6, 6.4)
    assert r.line == "Late by 1 day 3 h (due 2026-10-01 23:59 KST): -20%"
    assert policy.apply(at(2, 0, 0)).units == 1  # one minute late is a day started
    assert r.to_dict()["lateness_s"] == (27 * 60 + 1) * 60 and json.dumps(r.to_dict())


def test_per_hour_penalty():
    policy = make_policy(due=DUE, tz="Asia/Seoul", per="hour", rate=0.02)
    r = policy.apply(at(2, 2, 29), raw_score=10.0)  # 2 h 30 min late: three hours started
    assert (r.units, r.fraction, r.points) == (3, 0.06, 0.6)
    assert r.line == "Late by 2 h 30 min (due 2026-10-01 23:59 KST): -6%"


def test_cap_limits_the_penalty():
    policy = make_policy(due=DUE, tz="Asia/Seoul", rate=0.2, cap=0.5)
    r = policy.apply(at(5, 12), raw_score=9.0)  # four days started: 80%, capped at 50%
    assert (r.fraction, r.capped, r.final(9.0)) == (0.5, True, 4.5)
    assert r.line == "Late by 3 days 12 h (due 2026-10-01 23:59 KST): -50% (capped at 50%)"


def test_hard_deadline_gives_zero():
    policy = make_policy(due=DUE, tz="Asia/Seoul", rate=0.1, cap=0.3, hard_deadline="2026-10-04T23:59")
    assert policy.apply(at(4, 23, 0), raw_score=9.0).fraction == 0.3  # before it: the capped per-day penalty
    r = policy.apply(at(5, 0, 30), raw_score=9.0)
    assert (r.status, r.fraction, r.points, r.final(9.0)) == ("hard_deadline", 1.0, 9.0, 0.0)
    assert r.line == ("Late by 3 days, after the hard deadline 2026-10-04 23:59 KST (due 2026-10-01 23:59 KST): "
                      "-100%, score 0")
    zero_after_due = make_policy(due=DUE, tz="Asia/Seoul", hard_deadline=DUE)
    assert zero_after_due.apply(at(2, 0, 0), raw_score=5.0).final(5.0) == 0.0


def test_grace_forgives_but_does_not_shift():
    policy = make_policy(due=DUE, tz="Asia/Seoul", grace="15min", rate=0.1)
    r = policy.apply(at(2, 0, 10))  # 11 min late
    assert (r.status, r.fraction, r.flagged) == ("grace", 0.0, False)
    assert r.line == "Late by 11 min, within the 15 min grace period (due 2026-10-01 23:59 KST): no penalty"
    r = policy.apply(at(2, 0, 20))  # 21 min late: counted from the due date, one day started
    assert (r.status, r.units, r.fraction) == ("late", 1, 0.1)
    assert policy.apply(at(1, 23, 59)).line == "On time (due 2026-10-01 23:59 KST)"


def test_extensions_move_due_and_hard_deadline(tmp_path):
    csv = tmp_path / "extensions.csv"
    csv.write_text("학번,new due,extra hours\n20231234,2026-10-03T23:59,\n20231235,,48\n", encoding="utf-8")
    policy = make_policy(due=DUE, tz="Asia/Seoul", rate=0.1, hard_deadline="2026-10-02T23:59", extensions=csv)
    ada = policy.apply(at(3, 20), student_id="20231234")
    assert (ada.status, ada.extended) == ("on_time", True)
    assert ada.line == "On time (due 2026-10-03 23:59 KST, extended)"
    alan = policy.apply(at(4, 1), student_id="20231235")  # due moved 48 h to 10-03 23:59, hard deadline to 10-04 23:59
    assert (alan.status, alan.units, alan.fraction) == ("late", 1, 0.1)
    assert alan.line == "Late by 1 h 1 min (due 2026-10-03 23:59 KST, extended): -10%"
    assert policy.apply(at(4, 1), student_id="20231236").status == "hard_deadline"  # no extension


def test_missing_time_is_flagged_not_guessed():
    policy = make_policy(due=DUE, tz="Asia/Seoul", rate=0.1)
    r = policy.apply(None, raw_score=7.0)
    assert (r.status, r.fraction, r.points, r.flagged, r.final(7.0)) == ("no_time", 0.0, 0.0, True, 7.0)
    assert r.line == "The export has no submission time: late penalty not applied, check by hand " \
                     "(due 2026-10-01 23:59 KST)"
    marked = policy.apply(None, lms_late=True, lms="Canvas")
    assert marked.line.startswith("Canvas marked it late, but the export has no submission time")
    with pytest.raises(ValueError, match="no time zone"):
        policy.apply(datetime(2026, 10, 2))


def test_basis_max_and_penalty_never_exceeds_the_score():
    policy = make_policy(due=DUE, tz="Asia/Seoul", rate=0.5, basis="max")
    r = policy.apply(at(2, 1), raw_score=3.0, max_score=10.0)
    assert (r.fraction, r.points, r.final(3.0)) == (0.5, 3.0, 0.0)  # 50% of 10 is 5, but only 3 can be taken
    assert policy.apply(at(2, 1), max_score=10.0).points == 5.0  # no raw score: 50% of the maximum


def test_due_date_parsing_rules():
    assert parse_iso("2026-10-01T23:59+09:00") == at(1, 23, 59)
    assert parse_iso("2026-10-01 14:59:00Z") == at(1, 23, 59)
    assert parse_iso("2026-10-01 14:22:32.365935000 -07:00").utcoffset() == timedelta(hours=-7)
    assert parse_iso("2026-10-01T23:59", tz="Asia/Seoul") == at(1, 23, 59)
    assert parse_iso("2026-03-08T02:30", tz="America/New_York").utcoffset() == timedelta(hours=-5)  # DST gap: fold=0
    with pytest.raises(NaiveTimeError, match="no UTC offset and no time zone"):
        parse_iso("2026-10-01T23:59")
    with pytest.raises(ValueError, match="a date without a time of day"):
        parse_iso("2026-10-01", tz="UTC")
    with pytest.raises(ValueError, match="Not an ISO-8601 date-time: 'next friday'"):
        parse_iso("next friday", tz="UTC")
    with pytest.raises(ValueError, match="rate and cap are fractions"):
        make_policy(due=DUE, tz="UTC", rate=10)
    with pytest.raises(ValueError, match="before the due date"):
        make_policy(due=DUE, tz="UTC", hard_deadline="2026-09-30T00:00")
    with pytest.raises(ValueError, match="timezone-aware"):
        LatePolicy(due=datetime(2026, 10, 1))


def test_small_parsers():
    assert parse_duration("1d 6h") == timedelta(hours=30) and parse_duration("90s") == timedelta(seconds=90)
    with pytest.raises(ValueError, match="Not a duration: '15'"):
        parse_duration("15")
    assert format_span(timedelta(days=2, minutes=5)) == "2 days" and format_span(timedelta(seconds=42)) == "42 s"
    assert parse_blackboard_date("Thursday, December 12, 2024 1:22:26 PM EST") == datetime(
        2024, 12, 12, 13, 22, 26, tzinfo=timezone(timedelta(hours=-5)))
    assert parse_blackboard_date("Monday, 7 October 2024 23:41:07 o'clock CST", tz="Asia/Shanghai").utcoffset() \
        == timedelta(hours=8)


@pytest.mark.parametrize("text, row, column, message", [
    ("name,due\nAda,2026-10-03T23:59\n", 1, None, "needs a student id column and a 'due' or 'extra_hours' column"),
    ("id,due,hours\n1,2026-10-03T23:59,12\n", 2, None, "give either a new due date or extra hours (exactly one)"),
    ("id,due\n1,2026-10-03\n", 2, "due", "a date without a time of day"),
    ("id,hours\n1,two days\n", 2, "hours", "'two days' is not a number of hours"),
    ("id,hours\n1,12\n1,24\n", 3, "id", "a second extension for '1'"),
])
def test_malformed_extensions(tmp_path, text, row, column, message):
    path = tmp_path / "extensions.csv"
    path.write_text(text)
    with pytest.raises(ExtensionError) as info:
        read_extensions(path, tz="Asia/Seoul")
    assert (info.value.row, info.value.column) == (row, column) and message in str(info.value)
