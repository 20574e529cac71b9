"""How many examples a property test tries: its full count under `make test-long` (the "long" Hypothesis
profile), at most the "fast" profile's few under `make test` (profiles: tests/conftest.py)."""

from hypothesis import settings


def examples(full: int) -> int:
    return min(full, settings.default.max_examples)
