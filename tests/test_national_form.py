"""The national form for 2023 from a hand-built scenario: the system's keys, the values, the series in place."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest

from tests.scenario import add
from tracker import bootstrap
from tracker.catalogue import catalogue
from tracker.reports import national_form

# The city form's keys in the order of the national system's open API sample (卫生城市评估填报), written out by
# hand from it; the five-year series carries its mean (infectillavgrateAvg) as national-form-fields.md says.
CITY_KEYS = [
    "regionname",
    "countycount",
    "urbanhealthsatisfactionrate",
    "year1",
    "healthqualityrate",
    "year2",
    "healthqualityrate1",
    "year3",
    "healthqualityrate2",
    "facilitycoveragerate",
    "exercisepeoplerate",
    "persportsarea",
    "athleticdirectorrate",
    "smokingoverfifteenrate",
    "nosmokingorgrate",
    "nosmokingmedicalrate",
    "nosmokingschoolrate",
    "tobaccoadsituation",
    "streetlamprate",
    "mainstreetcleaningtime",
    "generalstreetcleaningtime",
    "streetmechcleanrate",
    "citymgmtinfocoverrate",
    "greenlandcoveragerate",
    "pergreenlandarea",
    "garbagerecoveryrate",
    "domesticgarbageharmlessdisposal",
    "manholeintactrate",
    "recoverypointcoverrate",
    "year4",
    "domesticsewagedisposal",
    "year5",
    "domesticsewagedisposal1",
    "year6",
    "domesticsewagedisposal2",
    "year7",
    "aqibelow100days",
    "year8",
    "aqibelow100days1",
    "year9",
    "aqibelow100days2",
    "hypertensionbloodpressurecontrolrate",
    "healthstreets",
    "healthcommunities",
    "healthunits",
    "areanoiseavg",
    "excrementfermentativerate",
    "potablewaterrate",
    "medicalwastedisposal",
    "schooldoctorrate",
    "healtheducationrate",
    "peripheralwaterstandardrate",
    "publicgoodsgradedrate",
    "year10",
    "stumyopiarate",
    "year11",
    "stumyopiarate1",
    "year12",
    "stumyopiarate2",
    "year13",
    "stuobesityrate",
    "year14",
    "stuobesityrate1",
    "year15",
    "stuobesityrate2",
    "workdiseaserate",
    "foodsaftygradedrate",
    "year16",
    "perhealthspendrate",
    "year17",
    "perhealthspendrate1",
    "year18",
    "perhealthspendrate2",
    "infectillavgrateAvg",
    "infectillavgrate",
    "infectillavgrate1",
    "infectillavgrate2",
    "infectillavgrate3",
    "infectillavgrate4",
    "year24",
    "infantmortalityrate",
    "year25",
    "infantmortalityrate1",
    "year26",
    "infantmortalityrate2",
    "year27",
    "underfivemortalityrate",
    "year28",
    "underfivemortalityrate1",
    "year29",
    "underfivemortalityrate2",
    "year30",
    "maternalmortalityrate",
    "year31",
    "maternalmortalityrate1",
    "year32",
    "maternalmortalityrate2",
    "year33",
    "perexpectlife",
    "year34",
    "perexpectlife1",
    "year35",
    "perexpectlife2",
    "vaccinationcoveragerate",
    "agedchildrencardrate",
    "populationhealthmanagementrate",
    "healthexaminationcoveragerate",
    "year36",
    "diabeticbloodsugarcontrolrate",
    "year37",
    "diabeticbloodsugarcontrolrate1",
    "year38",
    "diabeticbloodsugarcontrolrate2",
    "neuropathymanagementrate",
    "diseaseequipmentstandardrate",
    "blooddonationrate",
    "secondpolyclinic",
    "infectiousdiseasedepartments",
    "healthconstructionstandardrate",
    "insectcontrolinstallationqualificationrate",
    "publictoilets",
    "secondpublictoilets",
    "agriculturalproductsmarketsrate",
    "abovethirtyfivebloodpressurerate",
    "daytimenoiseaverage",
    "urbanwaterworks",
    "dicratpopulcationlevel",
    "dicmosquitopopulcationlevel",
    "dicflypopulcationlevel",
    "diccockroachpopulcationlevel",
    "tapwaterstandardrate",
    "stumyopia",
]


@pytest.fixture(scope="module")
def con():
    con = bootstrap.connect(":memory:")
    add(con, "10.3", "2023年", 76)
    add(
        con, "10.3", "2023年", 77.5, recorded_at="2024-02-01 09:00:00"
    )  # a correction: the later value counts
    add(con, "10.3", "2022年", 71)
    for year, value in ((2021, 20.0), (2022, 21.0), (2023, 22.5)):
        add(con, "6.1", f"{year}年", value)
    for year, value in ((2022, 70.0), (2023, 71.5)):  # 2021 missing
        add(con, "15.1", f"{year}年", value)
    for year, value in ((2021, 330.6), (2022, 334.2), (2023, 342.0)):
        add(con, "22.1", f"{year}年", value)
    for year, value in ((2019, 220.0), (2020, 210.0), (2021, 200.0), (2022, 190.0), (2023, 180.0)):
        add(con, "39.1", f"{year}年", value)
    add(con, "5.1", "2023Q3", 91.0)
    add(con, "5.1", "2023Q4", 93.5)  # the latest quarter of the year
    add(con, "5.1", "2024Q1", 99.0)  # another year: not this form's
    add(con, "9.5", "2023年", 1)
    add(con, "45.1", "2023年", "C")
    add(con, "45.2", "2023年", "B")
    add(con, "23.2", "2023年", 88.0)
    add(con, "30.2", "2023年", 1.2)
    add(con, "42.5b", "2023年", 0.5)
    for area in catalogue().metric("40.5").areas:
        add(con, "40.5", "2023年", 88.5 if area == "柴河镇" else 95.0, area=area)
    yield con
    con.close()


def test_city_keys_in_the_systems_order(con):
    filled = national_form.fill(con, 2023, "city")
    assert list(filled.payload) == CITY_KEYS == national_form.keys("city")
    assert list(json.loads(filled.to_json())) == CITY_KEYS


def test_values(con):
    p = national_form.fill(con, 2023, "city").payload
    assert p["regionname"] == "150783000"
    assert p["streetmechcleanrate"] == 77.5
    assert p["urbanhealthsatisfactionrate"] == 93.5
    assert p["tobaccoadsituation"] == "1"
    assert (p["dicratpopulcationlevel"], p["dicmosquitopopulcationlevel"]) == ("03", "02")
    assert p["vaccinationcoveragerate"] == 88.5  # the lowest street or township
    assert p["excrementfermentativerate"] == 88.0 and p["peripheralwaterstandardrate"] == 1.2
    assert p["abovethirtyfivebloodpressurerate"] == 0.5
    assert p["smokingoverfifteenrate"] is None


def test_three_year_pairs(con):
    p = national_form.fill(con, 2023, "city").payload
    assert [
        (p[f"year{i}"], p[k])
        for i, k in zip(
            (1, 2, 3), ("healthqualityrate", "healthqualityrate1", "healthqualityrate2"), strict=True
        )
    ] == [
        ("2021", 20.0),
        ("2022", 21.0),
        ("2023", 22.5),
    ]
    assert (p["year7"], p["aqibelow100days"], p["year9"], p["aqibelow100days2"]) == ("2021", 331, "2023", 342)
    assert isinstance(p["aqibelow100days1"], int)
    assert (p["year4"], p["domesticsewagedisposal"], p["domesticsewagedisposal1"]) == ("2021", None, 70.0)


def test_five_year_series(con):
    p = national_form.fill(con, 2023, "city").payload
    assert [p[k] for k in ("infectillavgrate", "infectillavgrate1", "infectillavgrate2", "infectillavgrate3", "infectillavgrate4")] == [
        180.0, 190.0, 200.0, 210.0, 220.0,
    ]  # fmt: skip
    assert p["infectillavgrateAvg"] == 200.0
    q = national_form.fill(con, 2024, "city").payload  # 2020–2024: 2024 missing, so no mean
    assert (
        q["infectillavgrate"] is None and q["infectillavgrate1"] == 180.0 and q["infectillavgrateAvg"] is None
    )


def test_missing_fields_listed(con):
    filled = national_form.fill(con, 2023, "city")
    missing = {m["key"]: m["why"] for m in filled.missing}
    assert missing["countycount"].startswith("创卫办设置项")
    assert missing["domesticsewagedisposal"] == "无2021年数据"
    assert missing["smokingoverfifteenrate"] == "无2023年数据"
    assert "streetmechcleanrate" not in missing and "healthqualityrate" not in missing
    assert set(missing) == {k for k, v in filled.payload.items() if v is None}


def test_county_form(con):
    filled = national_form.fill(con, 2023, "county")
    p = filled.payload
    assert "streetmechcleanrate" not in p and "manholeintactrate" not in p
    assert p["domesticsewagedisposal"] == 71.5 and "year4" not in p  # one value on the county form
    assert p["peripheralwaterstandardrate"] == 88.0  # night noise on the county form
    assert p["healtheducation"] == 1.2 and p["apibelow100days"] == 0.5
    assert (p["year32"], p["stuobesityrate"]) == ("2021", None)
    assert list(p) == national_form.keys("county")


def test_catalogue_fields_are_on_the_city_form():
    """Every national_field the catalogue names is a key of the city form, filled from that metric."""
    spec = {f.key: f.metric for f in national_form.form_spec("city").fields}
    for m in catalogue().metrics:
        if m.national_field:
            assert spec.get(m.national_field) == m.code, m.code


def test_xlsx_for_review(con):
    """Two sheets to print on 4 pages (issue 24): 填报表 — every field, a series' year key and year beside its
    value, then the missing fields with the reason, then the notes; 达标判定 — the verdict beside the figures
    (issue 21), its 45 items in two halves side by side."""
    filled = national_form.fill(con, 2023, "city", as_of=dt.date(2024, 3, 31))
    wb = openpyxl.load_workbook(io.BytesIO(national_form.to_xlsx(filled)))
    assert wb.sheetnames == ["填报表", "达标判定"]
    verdict = list(wb["达标判定"].iter_rows(values_only=True))
    assert verdict[0][0].startswith("截至2024-03-31的达标判定")
    head = ("项目", "名称", "状态", "一票否决风险")
    assert verdict[2] == (*head, None, *head)
    items = [r[0] for r in verdict[3:] if r[0] is not None] + [r[5] for r in verdict[3:] if r[5] is not None]
    assert items == list(range(1, 46))
    form = list(wb["填报表"].iter_rows(values_only=True))
    assert form[0][0].startswith("卫生城市评估填报") and form[1][:4] == (
        "字段（JSON键）",
        "含义",
        "填报值",
        "来源（指标、期间）",
    )
    cut = next(n for n, r in enumerate(form) if r[0] and str(r[0]).startswith("缺项"))
    rows = {r[0]: (r[2], r[3]) for r in form[2:cut] if r[0]}
    assert rows["streetmechcleanrate"] == (77.5, "10.3 2023年")
    assert rows["urbanhealthsatisfactionrate"] == (93.5, "5.1 2023年第四季度（年内最新季度）")
    assert rows["vaccinationcoveragerate"][1] == "2023年各街道乡镇最低值（柴河镇）"
    # every key of the JSON on the sheet, with its value: a series' year keys beside their values
    years = {r[4]: r[5] for r in form[2:cut] if r[4]}
    assert set(rows) | set(years) == set(filled.payload)
    assert all(filled.payload[k] == v for k, v in years.items()) and years["year1"] == "2021"
    assert form[cut + 1][:4] == ("字段（JSON键）", "含义", "填报值", "缺少原因")
    missing = [r[0] for r in form[cut + 2 :] if r[0] and r[3]]
    assert "countycount" in missing and "domesticsewagedisposal" in missing
    assert missing == [m["key"] for m in filled.missing]
