"""Large, valid upload files for the robustness tests: the office (创卫办, who may report anything)
sending every city-wide metric for many years at once."""

from __future__ import annotations

import random

from tracker.catalogue import catalogue

HEADER = "指标,期间,数值,备注\n"


def _value(metric, rng: random.Random) -> str:
    if metric.kind == "grade":
        return rng.choice("ABCD") + "级"
    if metric.kind == "checklist":
        return rng.choice(["是", "否"])
    if metric.kind == "zero_incident":
        return "0"
    if metric.is_percent:
        return f"{rng.uniform(50, 100):.1f}%"
    return f"{rng.uniform(1, 400):.2f}"


def office_csv(years: range, seed: int, note: str = "") -> tuple[bytes, int]:
    """UTF-8 CSV with one row per city-wide annual metric and year; returns the bytes and the row count."""
    rng = random.Random(seed)
    metrics = [m for m in catalogue().metrics if m.scope == "city" and m.period == "year"]
    lines = [HEADER]
    for year in years:
        for m in metrics:
            lines.append(f"{m.code},{year}年,{_value(m, rng)},{note}\n")
    return "".join(lines).encode("utf-8"), len(lines) - 1
