"""Periods as people type them."""

import datetime as dt

import pytest

from tracker import periods


@pytest.mark.parametrize(
    ("text", "kind", "start", "label"),
    [
        ("2023", "year", "2023-01-01", "2023年"),
        ("2023年", "year", "2023-01-01", "2023年"),
        ("2023年度", "year", "2023-01-01", "2023年"),
        ("２０２３年", "year", "2023-01-01", "2023年"),
        (2023, "year", "2023-01-01", "2023年"),
        ("2023Q4", "quarter", "2023-10-01", "2023年第四季度"),
        ("2023q2", "quarter", "2023-04-01", "2023年第二季度"),
        ("2023年第四季度", "quarter", "2023-10-01", "2023年第四季度"),
        ("2023年4季度", "quarter", "2023-10-01", "2023年第四季度"),
        ("2023-06", "month", "2023-06-01", "2023年6月"),
        ("2023/6", "month", "2023-06-01", "2023年6月"),
        ("2023年6月", "month", "2023-06-01", "2023年6月"),
        ("2023-06-01 00:00:00", "month", "2023-06-01", "2023年6月"),
        (dt.datetime(2023, 6, 1), "month", "2023-06-01", "2023年6月"),
    ],
)
def test_parse(text, kind, start, label):
    p = periods.parse(text)
    assert (p.type, p.start.isoformat(), p.label) == (kind, start, label)


@pytest.mark.parametrize("text", ["", "去年", "2023Q5", "2023-13", "23年", "1850", None, "2023年第五季度"])
def test_unreadable(text):
    assert periods.parse(text) is None


def test_period_ends():
    assert periods.make("quarter", 2023, 1).end == dt.date(2023, 3, 31)
    assert periods.make("month", 2024, 2).end == dt.date(2024, 2, 29)
    assert periods.make("month", 2023, 12).end == dt.date(2023, 12, 31)
