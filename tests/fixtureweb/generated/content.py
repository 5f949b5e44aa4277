"""What a generated portal holds: its sites (district + street-office sub-sites), lists, reports and
the pages that only look like reports, with their URLs in the portal's CMS scheme.

``portal_content(seed)`` is derived from the plan alone and cached; it holds small records, never
page bodies. Bodies are rendered per request (pages.py) from a report's body source: the project's
generated report texts (tests/fixtureweb/texts.py) or a real report text from ../shared/seeds.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from functools import lru_cache

from ...shared_material import SHARED
from ..common import stable_int
from ..texts import report_plain_text
from .garble import TITLE_GARBLED_SHARE, garble, garble_title
from .plan import PortalPlan, plan_for

SEEDS_DIR = SHARED / "seeds"
# Real report texts as scraped; 000 (content-farm mojibake) and 001 (doc-share wrapper) carry their
# site's noise and are used only on sites of that kind.
_CLEAN_SEEDS = ("002_cfd0de9263bd219b.txt", "003_f0fa1c2612b109d1.txt", "004_f23864eff4c512cb.txt")
_FAMILY_SEEDS = {"contentfarm": "000_7799afbad278b8df.txt", "docshare": "001_45953e13bfad8100.txt"}

# Title shapes of real reports ({name} the agency, {y} the year).
REPORT_TITLES = (
    "{name}{y}年政府信息公开工作年度报告", "{name}{y}年度政府信息公开工作年度报告", "{name}{y}年政府信息公开工作的年度报告",
    "{name}人民政府{y}年政府信息公开工作年度报告", "{name}{y}年度政府信息公开年度报告", "{name}政府信息公开工作年度报告（{y}年度）",
    "{y}年{name}政府信息公开工作年度报告", "{name}{y}年政务公开工作年度报告",
)
# Pages that look like reports and are not (issue 9 item 5): their title shapes and kinds.
LOOKALIKES = (
    ("correction", "关于{name}{y}年政府信息公开工作年度报告的更正说明"),
    ("graphic", "图解：{name}{y}年政府信息公开工作年度报告"),
    ("interpretation", "《{name}{y}年政府信息公开工作年度报告》解读"),
    ("one_picture", "一图读懂{name}{y}年政府信息公开工作年度报告"),
    ("notice", "关于做好{y}年政府信息公开工作年度报告编制发布工作的通知"),
    ("catalogue", "{name}政府信息公开年度报告目录"),
)
OTHER_PAGES = (("work_report", "{y}年{name}政府工作报告"), ("budget", "{name}{y}年部门预算公开"),
               ("statistics", "{name}{y}年国民经济和社会发展统计公报"))
NEWS_TITLES = ("{name}召开{y}年政务公开工作会议", "我{kind}举办政府信息公开业务培训班", "{name}开展政务公开日活动")


@dataclass(frozen=True)
class Item:
    """One page (or file) of a site. ``id`` is the CMS's manuscript id, unique in the portal."""

    id: int
    site: int  # 0 the portal itself, k its k-th street-office sub-site
    list_key: str  # "main", "street", "dept"; "" for pages in no list (news)
    kind: str  # "report", a LOOKALIKES/OTHER_PAGES kind, or "news"
    title: str
    agency: str
    year: int | None
    date: dt.date
    body: str  # "template" or a seed file name
    attachment: str = "none"  # "none", "pdf", "docx", "doc"
    direct: bool = False  # the list links the file itself (the file is the report)

    @property
    def is_report(self) -> bool:
        return self.kind == "report"


@dataclass(frozen=True)
class ListDef:
    site: int
    key: str  # "main", "street", "dept"
    name: str  # the column's name as its link shows it
    code: str  # the list's id in the CMS (script variable, col id)
    items: tuple[int, ...]  # item ids, newest first


@dataclass
class PortalContent:
    plan: PortalPlan
    items: dict[int, Item] = field(default_factory=dict)
    lists: dict[tuple[int, str], ListDef] = field(default_factory=dict)

    def site_items(self, site: int) -> list[Item]:
        return [it for it in self.items.values() if it.site == site]


def _views_seed(seed: int, item_id: int) -> int:
    return 37 + stable_int("views", seed, item_id) % 9000


def views_of(plan: PortalPlan, item: Item) -> int | None:
    """The count a person sees on the item's page, or None where the page shows none."""
    if plan.counter == "none" or item.direct:
        return None
    return _views_seed(plan.seed, item.id)


def _publish(agency: str, year: int) -> dt.date:
    h = stable_int("pub", agency, year)
    return dt.date(year + 1, 1 + h % 3, 1 + (h // 7) % 27)


@lru_cache(maxsize=2048)
def portal_content(seed: int) -> PortalContent:
    plan = plan_for(seed)
    r = random.Random(stable_int("content", seed))
    title_rng = random.Random(stable_int("titles", seed))
    content = PortalContent(plan)
    next_id = [1000 + seed % 1000 * 10]
    slot = [0]

    def body_source() -> str:
        source = plan.body_sources[slot[0] % len(plan.body_sources)]
        slot[0] += 1
        if source == "seed":
            return _FAMILY_SEEDS.get(plan.family) or r.choice(_CLEAN_SEEDS)
        return "template"

    def add(site: int, key: str, kind: str, title: str, agency: str, year: int | None, date: dt.date) -> Item:
        next_id[0] += 1 + r.randint(0, 40)
        attach, direct = "none", False
        if kind == "report" and plan.attachments != "none" and r.random() < 0.35:
            attach, direct = plan.attachments, r.random() < 0.5
        item = Item(next_id[0], site, key, kind, title, agency, year, date,
                    body_source() if kind == "report" else "template", attach, direct)
        content.items[item.id] = item
        return item

    shape = title_rng.choice(REPORT_TITLES)
    main: list[Item] = []
    for y in plan.years:
        name = plan.name if "人民政府" in shape else title_rng.choice((plan.name, plan.name + "人民政府"))
        main.append(add(0, "main", "report", shape.format(name=name, y=y), f"{plan.name}人民政府", y,
                        _publish(plan.name, y)))
    latest = plan.years[0]
    main.append(add(0, "main", "work_report", OTHER_PAGES[0][1].format(name=plan.name, y=latest + 1), "", None,
                    dt.date(latest + 1, 1, 20)))
    if "lookalikes" in plan.traps:
        for kind, shape_l in r.sample(LOOKALIKES, 4):
            y = r.choice(plan.years)
            main.append(add(0, "main", kind, shape_l.format(name=plan.name, y=y), f"{plan.name}人民政府办公室", None,
                            _publish(plan.name, y) + dt.timedelta(days=3)))
    for kind, shape_o in OTHER_PAGES[1:]:
        if r.random() < 0.5:
            main.append(add(0, "main", kind, shape_o.format(name=plan.name, y=latest), "", None, dt.date(latest + 1, 2, 9)))
    lists = [(0, "main", plan.column_text, main)]
    if plan.street_reports_in_column:
        street = [add(0, "street", "report", f"{plan.name}{s}{y}年政府信息公开工作年度报告", f"{plan.name}{s}", y,
                      _publish(s, y))
                  for s in plan.street_reports_in_column for y in plan.years[:r.randint(1, 2)]]
        lists.append((0, "street", r.choice(("街道年度报告", "街道办事处", "乡镇街道年报", "街道信息公开年报")), street))
    if plan.departments:
        dept = [add(0, "dept", "report", f"{plan.name}{d}{y}年政府信息公开工作年度报告", f"{plan.name}{d}", y,
                    _publish(d, y))
                for d in plan.departments for y in plan.years[:r.randint(1, 2)]]
        lists.append((0, "dept", r.choice(("部门年度报告", "区直部门", "部门信息公开年报", "政府部门")), dept))
    for sub in plan.subsites:
        agency = f"{plan.name}{sub.name}"
        reps = [add(sub.index, "main", "report", f"{agency}{y}年政府信息公开工作年度报告", agency, y, _publish(agency, y))
                for y in plan.years[:r.randint(2, 3)]]
        lists.append((sub.index, "main", plan.column_text, reps))
    for site in range(len(plan.subsites) + 1):
        for shape_n in NEWS_TITLES:
            add(site, "", "news", shape_n.format(name=plan.name, kind=plan.name[-1], y=latest + 1), "", None,
                dt.date(latest + 1, 3, 1 + r.randint(0, 27)))
    base = 1000 + stable_int("code", seed) % 8000  # list ids: distinct within the portal
    for index, (site, key, name, members) in enumerate(lists):
        ordered = sorted(members, key=lambda it: (it.date, it.id), reverse=True)
        code = f"{key}{base + 7 * index}"
        content.lists[(site, key)] = ListDef(site, key, name, code, tuple(it.id for it in ordered))
    return content


@lru_cache(maxsize=8)
def seed_text(name: str) -> str:
    """A real report text from ../shared/seeds; missing material is an error, never a silent skip."""
    path = SEEDS_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"generated web needs the shared seed texts: {path} is missing")
    return path.read_text(encoding="utf-8", errors="replace")


def body_lines(plan: PortalPlan, item: Item) -> list[str]:
    """The report's text as paragraphs (what a file attachment or a seed-bodied page carries), with
    the portal's mojibake (garble.py) in a few of them."""
    return list(_garbled(plan.seed, item.id)[0])


def repaired_texts(plan: PortalPlan, item: Item) -> list[str]:
    """What a repair of the garbled paragraphs must give back (garble.garble)."""
    # body_lines is what a file carries and what a seed-bodied page shows; a template page is
    # rendered from the template's HTML (pages._content_html), which is not garbled.
    served = item.attachment != "none" or item.body != "template"
    return list(_garbled(plan.seed, item.id)[1]) if item.is_report and served else []


@lru_cache(maxsize=256)
def _garbled(seed: int, item_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    plan = plan_for(seed)
    item = portal_content(seed).items[item_id]
    lines = _plain_lines(plan, item)
    if not item.is_report:
        return tuple(lines), ()
    served, back = garble(plan.mojibake, lines, random.Random(stable_int("mojibake", seed, item_id)),
                          pdf=item.attachment == "pdf")
    return tuple(served), tuple(back)


@lru_cache(maxsize=256)
def served_title(seed: int, item_id: int) -> tuple[str, tuple[str, ...]]:
    """A report page's title as its heading, <title> and ArticleTitle show it, and what the repaired
    title must hold (garble.garble_title); the title itself, whole, when the page's title is clean."""
    plan = plan_for(seed)
    item = portal_content(seed).items[item_id]
    if item.is_report and not item.direct and stable_int("title-mojibake", seed, item_id) % TITLE_GARBLED_SHARE == 0:
        garbled = garble_title(plan.mojibake, item.title, item.agency,
                               random.Random(stable_int("title-mojibake-how", seed, item_id)))
        if garbled is not None:
            return garbled[0], tuple(garbled[1])
    return item.title, (item.title,)


def _plain_lines(plan: PortalPlan, item: Item) -> list[str]:
    if item.body == "template":
        return [item.title, *report_plain_text(item.agency or plan.name, item.year or plan.years[0], "district",
                                                item.date).split("\n")]
    lines = [line.strip() for line in seed_text(item.body).splitlines() if line.strip()]
    if item.body not in _FAMILY_SEEDS.values():
        # A portal's own article has no other site's chrome: drop the scraped page's breadcrumb,
        # clock and meta line (首页 >> …, 今天是:…, 浏览:24950次) above the body.
        head = [i for i, line in enumerate(lines[:8]) if _SCRAPED_CHROME.search(line)]
        lines = lines[head[-1] + 1:] if head else lines
    return [item.title, *lines]


_SCRAPED_CHROME = re.compile(r"首页|今天是|来源[:：]|浏览[:：]|点击[:：]|>>")
