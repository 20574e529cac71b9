"""The checks of an upload's row, as (SQL condition, message) pairs over its parsed cells: `r` (the row's cells,
tracker.ingest.validate's `cells`), `i` (the metric's facts, _lk_metric_info), `may`, `listed` and `sx` (who may
send it, the listed areas, the suffixes) for the refusals; `c` (the checked row), `prev` (the value that counts
now) and `st` (the metric's history) for the warnings. Refusal or warning: see tracker.ingest.validate."""

from __future__ import annotations

from dataclasses import dataclass

from indicators.figures import number_sql
from indicators.rules.common import counts_by_default
from indicators.value_types import figure_sql
from tracker.config import settings
from tracker.ingest.cells import WORDED
from tracker.ingest.messages import Sql
from tracker.strings.upload import REFUSE, WARN

PERIOD_ORDER = "['month', 'quarter', 'year']"  # shortest first
VT = "i.value_type"
VAL_NUM = "r.value_num"
SUFFIX_OK = (
    "(r.suffix = '' OR (i.is_percent AND r.suffix = '%') OR (i.is_permille AND r.suffix = '‰')"
    " OR sx.metric IS NOT NULL)"
)
HAS_FRACTION = "(r.numerator_t IS NOT NULL OR r.denominator_t IS NOT NULL)"
BOTH_FRACTION = "(r.numerator_t IS NOT NULL AND r.denominator_t IS NOT NULL)"
_RATE = "r.numerator_num / r.denominator_num * i.fraction_mult"
_FRACTION_OK = (
    f"({BOTH_FRACTION} AND r.numerator_num >= 0 AND r.denominator_num > 0 AND i.fraction_mult IS NOT NULL)"
)
# The expressions many checks share, computed once per row as columns of validate's `parsed` step (over `r`, the
# row's cells, and `i`); the checks name the columns. Pasted into every check (the rate 95 times, the fraction
# test 21, the number value 13) they made the statement 48 KB, and DuckDB's planning of it was the upload
# check's cost. DOUBLE arithmetic and its printf never raise (x / 0 is NULL or inf), so computing them for every row
# is safe.
SHARED = {
    "rate": _RATE,
    "fraction_ok": _FRACTION_OK,
    "number_value": f"CASE WHEN {_FRACTION_OK} THEN {_RATE} ELSE {VAL_NUM} END",
    "shown": f"coalesce(r.value_t, {figure_sql(_RATE, 'i.uom')})",  # the figure as a range refusal names it
}
RATE = "r.rate"
FRACTION_OK = "r.fraction_ok"
NUMBER_VALUE = "r.number_value"
SHOWN = "r.shown"


@dataclass(frozen=True)
class Refs:
    """The bound parameters every check may name: the words' collector, the sender, the office, today."""

    sql: Sql
    sender: str
    office: str
    today: str


def refusals(refs: Refs, first: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every blocking reason, in the order a refused row lists them: `first` (cells over their length limit),
    the file's shape, the names, the period, the value."""
    return [*first, *_shape(refs), *_names(refs), *_period(refs), *_value(refs)]


def _shape(refs: Refs) -> list[tuple[str, str]]:
    msg = refs.sql.msg
    return [
        (
            "r.rowlike IS NOT NULL",
            msg(REFUSE, "swallowed", column="r.rowlike", first="r.first_line", last="r.last_line"),
        ),
        ("r.stray IS NOT NULL", msg(REFUSE, "stray_quote", column="r.stray")),
    ]


def _names(refs: Refs) -> list[tuple[str, str]]:
    msg, sender_ref, office_ref = refs.sql.msg, refs.sender, refs.office
    return [
        ("r.metric_t IS NULL", msg(REFUSE, "no_metric")),
        (
            "r.metric_t IS NOT NULL AND r.metric_found IS NULL AND r.metric_hint IS NULL",
            msg(REFUSE, "unknown_metric", metric="r.metric_t"),
        ),
        (
            "r.metric_t IS NOT NULL AND r.metric_found IS NULL AND r.metric_hint IS NOT NULL",
            msg(REFUSE, "unknown_metric_hint", metric="r.metric_t", names="r.metric_hint"),
        ),
        (f"r.unit_t IS NULL AND {sender_ref} IS NULL", msg(REFUSE, "no_unit")),
        ("r.unit_t IS NOT NULL AND r.unit_found IS NULL", msg(REFUSE, "unknown_unit", unit="r.unit_t")),
        (
            f"""r.unit_found IS NOT NULL AND {sender_ref} IS NOT NULL AND {sender_ref} <> {office_ref}
                AND r.unit_found <> {sender_ref}""",
            msg(REFUSE, "other_unit", sender=sender_ref, unit="r.unit_found"),
        ),
        (
            f"""i.code IS NOT NULL AND r.unit IS NOT NULL AND r.unit <> {office_ref}
                AND coalesce({sender_ref}, '') <> {office_ref} AND may.unit IS NULL""",
            msg(REFUSE, "not_responsible", unit="r.unit", metric="i.label"),
        ),
        (
            "r.area_t IS NOT NULL AND NOT r.no_area AND r.area_found IS NULL",
            msg(REFUSE, "unknown_area", area="r.area_t"),
        ),
        (
            "i.scope = 'city' AND r.area_found IS NOT NULL",
            msg(REFUSE, "area_on_city", metric="i.label", area="r.area_t"),
        ),
        ("i.scope = 'area' AND (r.area_t IS NULL OR r.no_area)", msg(REFUSE, "no_area", metric="i.label")),
        (
            "i.scope = 'area' AND r.area_found IS NOT NULL AND listed.metric IS NULL",
            msg(REFUSE, "area_not_listed", area="r.area_t", metric="i.label"),
        ),
    ]


def _period(refs: Refs) -> list[tuple[str, str]]:
    msg, today_ref = refs.sql.msg, refs.today
    return [
        ("r.period_t IS NULL", msg(REFUSE, "no_period")),
        (
            "r.period_t IS NOT NULL AND r.period_type IS NULL",
            msg(REFUSE, "bad_period", period="r.period_t"),
        ),
        (
            # Events kinds (incidents) take a count for any period up to their own: 「2026年10月」 for a year metric.
            f"""i.code IS NOT NULL AND r.period_type IS NOT NULL AND r.period_type <> i.period
                AND NOT (i.events AND list_position({PERIOD_ORDER}, r.period_type)
                                      <= list_position({PERIOD_ORDER}, i.period))""",
            msg(REFUSE, "wrong_period", metric="i.label", expected="i.period_name", period="r.period_t"),
        ),
        (
            f"r.period_start > {today_ref}",
            msg(REFUSE, "not_begun", period="r.period_t", today=f"strftime({today_ref}, '%Y-%m-%d')"),
        ),
    ]


def _value(refs: Refs) -> list[tuple[str, str]]:
    msg = refs.sql.msg
    return [
        (f"i.code IS NOT NULL AND r.value_t IS NULL AND NOT {HAS_FRACTION}", msg(REFUSE, "no_value")),
        *(
            (
                f"{VT} = '{name}' AND r.value_t IS NOT NULL AND r.read_{name} IS NULL",
                msg(REFUSE, t.unreadable, value="r.value_t"),
            )
            for name, t in WORDED.items()
        ),
        (
            f"""i.numeric AND r.value_t IS NOT NULL AND NOT {FRACTION_OK}
                AND {VAL_NUM} IS NULL""",
            msg(REFUSE, "bad_value", value="r.value_t"),
        ),
        (
            f"""i.numeric AND r.value_t IS NOT NULL AND {VAL_NUM} IS NOT NULL
                AND NOT {SUFFIX_OK}""",
            msg(REFUSE, "wrong_suffix", value="r.value_t", typed="r.suffix", unit="i.uom"),
        ),
        (
            f"NOT i.numeric AND {HAS_FRACTION} AND r.value_t IS NULL",
            msg(REFUSE, "fraction_type", metric="i.label"),
        ),
        (
            f"i.numeric AND {HAS_FRACTION} AND i.fraction_mult IS NULL AND r.value_t IS NULL",
            msg(REFUSE, "fraction_type", metric="i.label"),
        ),
        (
            f"i.code IS NOT NULL AND {HAS_FRACTION} AND NOT {BOTH_FRACTION} AND r.value_t IS NULL",
            msg(REFUSE, "half_fraction"),
        ),
        (
            "r.numerator_t IS NOT NULL AND r.numerator_num IS NULL",
            msg(REFUSE, "bad_numerator", value="r.numerator_t"),
        ),
        (
            "r.denominator_t IS NOT NULL AND r.denominator_num IS NULL",
            msg(REFUSE, "bad_denominator", value="r.denominator_t"),
        ),
        (
            "r.denominator_num IS NOT NULL AND r.denominator_num <= 0",
            msg(REFUSE, "zero_denominator", value="r.denominator_t"),
        ),
        (
            "r.numerator_num IS NOT NULL AND r.numerator_num < 0",
            msg(REFUSE, "negative_fraction", value="r.numerator_t"),
        ),
        (f"i.is_percent AND ({NUMBER_VALUE}) NOT BETWEEN 0 AND 100", msg(REFUSE, "pct_range", value=SHOWN)),
        (
            f"i.is_permille AND ({NUMBER_VALUE}) NOT BETWEEN 0 AND 1000",
            msg(REFUSE, "permille_range", value=SHOWN),
        ),
        (
            f"i.numeric AND NOT i.is_percent AND NOT i.is_permille AND ({NUMBER_VALUE}) < 0",
            msg(REFUSE, "negative", value=SHOWN),
        ),
        (
            f"i.whole AND ({NUMBER_VALUE}) >= 0 AND ({NUMBER_VALUE}) <> floor({NUMBER_VALUE})",
            msg(REFUSE, "count_integer", value=SHOWN),
        ),
        (
            f"""i.is_percent AND NOT {FRACTION_OK} AND r.suffix = '' AND {VAL_NUM} > 0 AND {VAL_NUM} <= 1
                AND NOT i.small_ok""",
            msg(REFUSE, "fraction", value="r.value_t", pct=number_sql(f"{VAL_NUM} * 100")),
        ),
        (
            f"""i.numeric AND {FRACTION_OK} AND {VAL_NUM} IS NOT NULL
                AND abs({VAL_NUM} - {RATE}) > greatest(0.05, abs({RATE}) * 0.001)""",
            msg(REFUSE, "mismatch", value="r.value_t", rate=number_sql(RATE)),
        ),
    ]


def warnings(refs: Refs) -> list[tuple[str, str]]:
    """The warnings of a row that goes in, in the order it lists them."""
    msg, sql, today_ref = refs.sql.msg, refs.sql, refs.today
    k = settings().get("outlier_spread", 4)
    # Whether this row's unit is one whose figure counts by default (indicators.rules.common.counts_by_default):
    # `own` leaves out the incidents' every listed unit. NULL (no area) is not a match.
    counts = f"coalesce({counts_by_default('c.unit', 'c.reporter', 'c.area', 'c.events')}, false)"
    own = f"coalesce({counts_by_default('c.unit', 'c.reporter', 'c.area')}, false)"
    return [
        # A figure from a listed unit other than the reporter is kept beside the reporter's, never instead of it.
        (
            f"c.reporter IS NOT NULL AND NOT {counts}",
            msg(WARN, "beside_reporter", unit="c.unit", reporter="c.reporter"),
        ),
        # An incident from such a unit counts at once: the worst report wins (hiding one is worse than two).
        (
            f"c.events AND c.reporter IS NOT NULL AND NOT {own}",
            msg(WARN, "incident_counted", unit="c.unit", reporter="c.reporter"),
        ),
        (
            f"""prev.value IS NOT NULL AND c.value IS NOT NULL AND abs(prev.value - c.value) > 1e-9
                AND {counts}""",
            msg(
                WARN,
                "replaces",
                old="prev.shown",
                when="strftime(prev.recorded_at, '%Y-%m-%d')",
                unit="prev.unit",
            ),
        ),
        (
            # Counts are events, never compared with their history.
            f"""c.numeric AND NOT c.whole AND st.n >= 3
                AND abs(c.value - st.med) > {sql.bind("spread_k", float(k))} * greatest(st.iqr, abs(st.med) * 0.02, 1e-6)""",
            msg(WARN, "outlier", value=figure_sql("c.value", "c.uom"), median=figure_sql("st.med", "c.uom")),
        ),
        (
            f"c.period_end > {today_ref} AND NOT c.events",
            msg(WARN, "not_ended", period="c.period_label", end="strftime(c.period_end, '%Y-%m-%d')"),
        ),
        (
            "c.answer AND c.yn_word IS NOT NULL",
            msg(
                WARN,
                "yes_no_word",
                value="c.yn_word",
                read=figure_sql("c.value", "c.uom", "c.value_type"),
            ),
        ),
        (
            "c.is_percent AND NOT c.from_fraction AND c.suffix = '' AND c.value > 0 AND c.value <= 1",
            msg(WARN, "fraction", value="c.value_t", pct=number_sql("c.value * 100")),
        ),
        # A verified checklist answer (prev.verified_by: the office's check still holding for it, see prev), when
        # this row's unit is one whose figure counts: a different answer needs a new check, the same keeps it.
        (
            f"""prev.verified_by IS NOT NULL AND c.answer AND abs(prev.value - c.value) > 1e-9
                AND {own}""",
            msg(
                WARN,
                "reverify",
                old="prev.shown",
                when="strftime(prev.verified_at, '%Y-%m-%d')",
                by="prev.verified_by",
                new=figure_sql("c.value", "c.uom", "c.value_type"),
            ),
        ),
        (
            f"""prev.verified_by IS NOT NULL AND c.answer AND abs(prev.value - c.value) <= 1e-9
                AND {own}""",
            msg(
                WARN,
                "keeps_verified",
                old="prev.shown",
                when="strftime(prev.verified_at, '%Y-%m-%d')",
                by="prev.verified_by",
            ),
        ),
    ]
