"""The demo's inspections (tracker.demo calls `load`): the city's sites, a 2023 模拟检查 over all of them and
a 2024 暗访 drawn at random, with a story beside the measurements —

- 2023年4月 模拟检查 (组织模拟检查 phase): markets and small eateries fail on 防蝇防鼠 and 生熟分开, a school on
  smoking, back streets on 五乱; most units fix and pass 复查 on time, 城管执法局 is late with the toilets, and a
  market's 生熟分开 fails its first 复查; the sites without a finding are recorded 「检查无问题」. The round's pass
  rates become 2023 figures of 45.5, 45.6 and 9.4.
- 2024年5月 暗访 (as the province and the nation do): at 河西早市 live poultry slaughtered in the open — a 否决风险
  on item 16 — and the same market's 生熟分开 found again (a repeated finding); the market is fixed and passes
  复查 in June. A 城中村's heap of rubbish is still open and overdue, with its street office. The other drawn
  sites have no record yet: 未检查 in the round's pass rates.
Everything is written by the services as the account `demo` (a reserved name), which clearing the demo removes."""

from __future__ import annotations

import datetime as dt

import duckdb

from tracker.access.auth import Actor
from tracker.inspections import findings, rounds, sites, verdict

DEMO = Actor("demo", "admin")
SEED = 20240513

SITES = [  # type, name, street, address
    ("农贸市场", "铁东农贸市场", "铁东街道", "铁东街道站前路"),
    ("农贸市场", "正阳综合市场", "正阳街道", "正阳大街中段"),
    ("农贸市场", "河西早市", "河西街道", "河西街道滨河路"),
    ("农贸市场", "兴华农贸市场", "兴华街道", "兴华路东"),
    ("小餐饮", "老站前饺子馆", "铁东街道", "站前路12号"),
    ("小餐饮", "兴安拉面", "正阳街道", "正阳大街88号"),
    ("小餐饮", "河西烧烤城", "河西街道", "滨河路3号"),
    ("小餐饮", "繁荣早点铺", "繁荣街道", "繁荣路27号"),
    ("学校", "扎兰屯市第一中学", "兴华街道", "兴华路"),
    ("学校", "铁东小学", "铁东街道", "铁东二道街"),
    ("学校", "繁荣幼儿园", "繁荣街道", "繁荣路"),
    ("医院", "扎兰屯市人民医院", "正阳街道", "正阳大街"),
    ("医院", "扎兰屯市中蒙医院", "向阳街道", "向阳路"),
    ("车站", "扎兰屯站", "铁东街道", "站前广场"),
    ("车站", "扎兰屯市客运站", "正阳街道", "中央路"),
    ("公共厕所", "站前广场公厕", "铁东街道", "站前广场东侧"),
    ("公共厕所", "吊桥公园公厕", "向阳街道", "吊桥公园"),
    ("公共厕所", "河西公厕", "河西街道", "滨河路"),
    ("背街小巷", "铁东三道巷", "铁东街道", None),
    ("背街小巷", "正阳后街", "正阳街道", None),
    ("城中村", "高台子村", "高台子街道", None),
    ("城乡结合部", "河西北出口", "河西街道", None),
    ("建筑工地", "秀水家园二期工地", "繁荣街道", None),
    ("垃圾转运站", "向阳垃圾转运站", "向阳街道", None),
    ("铁路沿线", "滨洲铁路铁东段", "铁东街道", None),
]

# 2023 模拟检查: (site, check, description, severity, days after the round's start it was found,
#                 answered after days | None, 复查 passed after days | None, first 复查 fails)
MOCK = [
    ("铁东农贸市场", "防蝇设施", "熟食摊位无防蝇罩", "严重", 1, 5, 8, False),
    ("河西早市", "生熟分开", "生熟混放，未分区经营", "严重", 2, 6, 20, True),
    ("正阳综合市场", "防鼠设施", "库房门口无挡鼠板", "一般", 1, 9, 12, False),
    ("老站前饺子馆", "健康证明", "2名从业人员无有效健康证明", "严重", 3, 5, 7, False),
    ("河西烧烤城", "油烟净化", "油烟净化器未开启", "一般", 3, 10, 14, False),
    ("繁荣早点铺", "防蝇设施", "操作间纱窗破损", "严重", 4, 8, 10, False),
    ("扎兰屯市第一中学", "无烟学校", "教学楼后发现烟头，无禁烟标识", "一般", 2, 6, 9, False),
    ("站前广场公厕", "干净整洁", "便池污垢、无洗手液", "严重", 1, 12, 15, False),
    ("吊桥公园公厕", "二类标准", "无无障碍设施、通风差", "一般", 2, 20, 26, False),
    ("铁东三道巷", "五乱", "乱堆杂物、墙面小广告", "一般", 4, 9, 11, False),
    ("高台子村", "社区卫生", "垃圾池满溢未清运", "严重", 5, 7, 9, False),
    ("滨洲铁路铁东段", "轻飘物品", "铁路北侧露天堆放彩钢瓦和防尘网", "一般", 6, 13, 16, False),
]
MOCK_DATES = (dt.date(2023, 4, 10), dt.date(2023, 4, 21))

# 2024 暗访 over markets, eateries, toilets and 城中村 (drawn with SEED); findings at sites of the draw and the
# market the 暗访 team was sent back to.
VISIT = [
    ("河西早市", "活禽宰杀", "活禽在摊位前露天宰杀，无隔离", "否决风险", 1, 2, 10, True),
    ("河西早市", "生熟分开", "生熟再次混放（2023年模拟检查已发现）", "严重", 1, 4, 10, False),
    ("兴安拉面", "明厨亮灶", "后厨未公示，操作间不可见", "一般", 2, 8, 12, False),
    ("高台子村", "社区卫生", "村口垃圾堆积", "一般", 3, None, None, False),
]
VISIT_DATES = (dt.date(2024, 5, 13), dt.date(2024, 5, 17))


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def _play(con, round_id: int, start: dt.date, story: list, site_ids: dict[str, int], today: dt.date) -> None:
    for site, check, description, level, found_after, answered, passed, fails_first in story:
        found_on = start + dt.timedelta(days=found_after)
        fid = findings.record_finding(con, DEMO, round_id, site_ids[site], check, description, level,
                                      found_on=found_on, now=_at(found_on, 17))  # fmt: skip
        if answered is None or start + dt.timedelta(days=answered) > today:
            continue
        answered_on = start + dt.timedelta(days=answered)
        findings.answer_finding(con, DEMO, fid, "已按要求整改", now=_at(answered_on))
        if fails_first:
            findings.reinspect(con, DEMO, fid, False, "复查仍未整改到位", deadline=answered_on + dt.timedelta(days=10),
                               now=_at(answered_on + dt.timedelta(days=1), 15))  # fmt: skip
            findings.answer_finding(
                con, DEMO, fid, "再次整改：分区划线，增设隔离", now=_at(answered_on + dt.timedelta(days=5))
            )
        if passed is not None and start + dt.timedelta(days=passed) <= today:
            findings.reinspect(
                con, DEMO, fid, True, "复查合格", now=_at(start + dt.timedelta(days=passed), 16)
            )


def load(con: duckdb.DuckDBPyConnection, today: dt.date) -> None:
    """Write the demo's sites, rounds and findings as of `today` (steps after today are left undone)."""
    if today < MOCK_DATES[1]:
        return
    registered = _at(dt.date(2023, 3, 20))
    site_ids = {
        name: sites.register_site(con, DEMO, kind, name, street, address, now=registered)
        for kind, name, street, address in SITES
    }
    mock = rounds.create_round(con, DEMO, "模拟检查", "2023年第一轮模拟检查", *MOCK_DATES, team="创卫办督查组",
                               now=_at(dt.date(2023, 4, 1)))  # fmt: skip
    _play(con, mock, MOCK_DATES[0], MOCK, site_ids, today)
    found = {site for site, *_ in MOCK}
    for (
        name,
        site_id,
    ) in site_ids.items():  # the mock inspection walked every site: the rest had nothing wrong
        if name not in found:
            rounds.record_check(
                con, DEMO, mock, site_id, checked_on=MOCK_DATES[1], now=_at(MOCK_DATES[1], 18)
            )
    sid, _ = verdict.write_rates(con, DEMO, mock, now=_at(dt.date(2023, 4, 28)))
    if sid is not None:
        con.execute("UPDATE submission SET is_demo = true WHERE id = ?", [sid])
    if today < VISIT_DATES[1]:
        return
    visit = rounds.create_round(con, DEMO, "暗访", "2024年自治区暗访（模拟）", *VISIT_DATES,
                                types=["农贸市场", "小餐饮", "公共厕所", "城中村"], per_group=1, seed=SEED,
                                now=_at(dt.date(2024, 5, 10)))  # fmt: skip
    _play(con, visit, VISIT_DATES[0], VISIT, site_ids, today)


# What clearing the demo removes besides its submissions: the rows its account wrote, children first.
DELETES = (
    ("finding_event", "DELETE FROM finding_event WHERE finding_id IN (SELECT id FROM finding WHERE recorded_by = 'demo')"),
    ("finding", "DELETE FROM finding WHERE recorded_by = 'demo'"),
    ("round_measurement", "DELETE FROM round_measurement WHERE round_id IN (SELECT id FROM inspection_round WHERE created_by = 'demo')"),
    ("round_site", "DELETE FROM round_site WHERE round_id IN (SELECT id FROM inspection_round WHERE created_by = 'demo')"),
    ("inspection_round", "DELETE FROM inspection_round WHERE created_by = 'demo'"),
    ("site", "DELETE FROM site WHERE created_by = 'demo'"),
    ("task_event", "DELETE FROM task_event WHERE task_id IN (SELECT id FROM task WHERE opened_by = 'demo')"),
    ("task", "DELETE FROM task WHERE opened_by = 'demo'"),
)  # fmt: skip
