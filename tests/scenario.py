"""Writing measurements straight into a test database, for engine tests with hand-worked expectations."""

from __future__ import annotations

import datetime as dt

from indicators.rules import REGISTRY
from indicators.value_types.grade import GRADES
from tracker import periods
from tracker.catalogue import catalogue


def add(
    con,
    metric: str,
    period: str,
    value,
    *,
    unit: str | None = None,
    area: str | None = None,
    recorded_at: str = "2020-01-01 00:00:00",
) -> int:
    """One measurement; `period` as people write it (「2023年」「2023Q2」), value a number or a grade letter."""
    m = catalogue().metric(metric)
    p = periods.parse(period)
    events = REGISTRY[m.kind].events  # incidents may be reported for any period up to the metric's own
    assert p is not None and (p.type == m.period or events), f"{period} is not a {m.period} period"
    grade = value if isinstance(value, str) else None
    number = float(GRADES.index(value) + 1) if grade else float(value)
    return con.execute(
        """INSERT INTO measurement (submission_id, metric, unit, area, period_start, period_end, period_label,
                                   value, grade, recorded_at)
           VALUES (0, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
        [
            metric,
            unit or m.reporter,
            area,
            p.start,
            p.end,
            p.label,
            number,
            grade,
            dt.datetime.fromisoformat(recorded_at),
        ],
    ).fetchone()[0]


def verify(con, measurement_id: int) -> None:
    con.execute(
        """INSERT INTO verification (measurement_id, verified_by, verified_at, note, metric, unit, area,
                                    period_start, value)
           SELECT id, '创卫办', TIMESTAMP '2024-01-15 10:00:00', '现场核实', metric, unit, area, period_start, value
           FROM measurement WHERE id = ?""",
        [measurement_id],
    )
