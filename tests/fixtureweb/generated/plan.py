"""A generated portal's plan: every choice drawn from the seed, each from its own random stream.

Each choice has its own ``random.Random`` keyed by (seed, choice name), so changing how one choice is
drawn (or adding a value to one menu) never moves another: a portal's CMS family says nothing about
its charset, its list mechanism, its counter or its script. ``plan_for(seed)`` is cheap (no page is
rendered) and cached, so a web of 1,000 portals costs nothing until a page is asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from ..common import stable_int
from . import garble

FAMILIES = ("trs", "hanweb", "aspnet", "vsb", "jsp", "docshare", "contentfarm")
CHARSETS = ("utf-8", "gbk")
# How the charset is told: header and meta; meta only (bare text/html); not at all (GBK bare, UTF-8
# with a BOM, as a browser reads both right); a <meta> that
# lies under a header that tells the truth (what a browser shows is right, a meta-trusting reader is not).
CHARSET_DECLS = ("header", "meta", "none", "meta_lies")
LIST_MECHANISMS = ("static", "create_page_html", "json_api", "post_xml", "browser_only")
# Static lists: numbered ?page=N links, index_N files, only a 下一页 link, javascript:next(N).
PAGINATIONS = ("query", "path", "next_only", "js_next")
# "rendered": the counter's URL is computed by the script (from char codes), so only a browser shows it.
COUNTERS = ("static", "script", "api", "dynclicks", "fetch", "rendered", "none")
ATTACHMENTS = ("none", "pdf", "docx", "doc")
SCRIPTS = ("simplified", "traditional")
TRAPS = ("calendar", "lookalikes", "offsite", "related_links")
# Mojibake in a portal's report texts (tests/fixtureweb/generated/garble.py; issue 9 item 6).
MOJIBAKE, MOJIBAKE_WEIGHTS = garble.MOJIBAKE, garble.MOJIBAKE_WEIGHTS

# Where the column lives (paths seen on real portals, HAZARDS.md) and how its link is named.
COLUMN_DIRS = ("zfxxgk/zfxxgknb", "zfxxgkml/zfxxgkndbg", "gknb", "xxgknb", "fdzdgknr/ndbg", "zwgk/ndbg",
               "xxgk/gzbg", "govinfo/annual", "gk/nb2", "zfxxgk/gzndbg")
COLUMN_TEXTS = ("政府信息公开年度报告", "信息公开年报", "年度报告", "政府信息公开工作年度报告", "政务公开年度报告",
                "年报", "政府信息公开年报")
SECTION_TEXTS = ("政府信息公开", "信息公开", "政务公开", "政府信息公开目录", "法定主动公开内容")
SECTION_DIRS = ("zfxxgk", "xxgk", "zwgk", "gkml", "govinfo")

_SYLLABLES = [("qing", "青"), ("he", "河"), ("shan", "山"), ("lin", "林"), ("hu", "湖"), ("an", "安"), ("ping", "平"),
              ("dong", "东"), ("xi", "西"), ("nan", "南"), ("bei", "北"), ("yuan", "源"), ("feng", "丰"), ("xin", "新"),
              ("chang", "长"), ("ning", "宁"), ("yang", "阳"), ("jiang", "江"), ("cheng", "城"), ("fu", "福"),
              ("tai", "泰"), ("hua", "华"), ("long", "龙"), ("song", "松"), ("bai", "柏"), ("yun", "云")]
_STREETS = ["东关", "西营", "南湖", "北苑", "城关", "新华", "解放", "人民路", "和平", "建设", "胜利", "文化"]
_DEPARTMENTS = ["财政局", "教育局", "民政局", "卫生健康局", "住房和城乡建设局", "生态环境局", "人力资源和社会保障局",
                "市场监督管理局", "农业农村局", "交通运输局"]
_KINDS = ("区", "县")


@dataclass(frozen=True)
class SubsitePlan:
    index: int
    name: str  # 东关街道办事处
    label: str  # host label: jd1


@dataclass(frozen=True)
class PortalPlan:
    seed: int
    name: str  # 青河区
    label: str  # host label without the seed: qinghe
    family: str
    charset: str
    charset_decl: str
    list_mechanism: str
    pagination: str
    page_size: int
    counter: str
    attachments: str
    script: str
    subsites: tuple[SubsitePlan, ...]
    traps: frozenset[str]
    column_dir: str
    column_text: str
    section_dir: str
    section_text: str
    years: tuple[int, ...]
    departments: tuple[str, ...]
    street_reports_in_column: tuple[str, ...]  # street offices whose reports sit in a sub-column
    body_sources: tuple[str, ...]  # per report slot: "template" or a seed file name
    mojibake: str = "none"  # garble.MOJIBAKE: how the portal's report texts are garbled

    @property
    def host(self) -> str:
        return host_for(self.seed, self.family, self.label)

    @property
    def base(self) -> str:
        return f"http://{self.host}"

    @property
    def registered_domain(self) -> str:
        return self.host.split(".", 1)[1]

    @property
    def offsite_host(self) -> str:
        """A neighbouring county's portal the footer links to: another registered domain, out of scope."""
        return f"www.{self.label}lin{self.seed}.gov.cn"

    def subsite_host(self, sub: SubsitePlan) -> str:
        return f"{sub.label}.{self.registered_domain}"


def host_for(seed: int, family: str, label: str) -> str:
    if family == "docshare":
        return f"www.{label}wenku{seed}.com"
    if family == "contentfarm":
        return f"www.{label}wang{seed}.net"
    return f"www.{label}{seed}.gov.cn"


def _rng(seed: int, choice: str) -> random.Random:
    return random.Random(stable_int("generated", seed, choice))


def _pick(seed: int, choice: str, menu: tuple[str, ...], weights: tuple[float, ...] | None = None) -> str:
    return _rng(seed, choice).choices(menu, weights=weights)[0]


@lru_cache(maxsize=4096)
def plan_for(seed: int) -> PortalPlan:
    """The plan of portal ``seed``: the same seed gives the same portal on every machine."""
    r = _rng(seed, "name")
    a, b = r.sample(_SYLLABLES, 2)
    kind = r.choice(_KINDS)
    family = _pick(seed, "family", FAMILIES, (3, 3, 2, 2, 2, 1, 1))
    years_rng = _rng(seed, "years")
    last = years_rng.choice((2022, 2023, 2023, 2024))
    first = last - years_rng.randint(2, 9)
    years = tuple(range(last, first - 1, -1))
    sub_rng = _rng(seed, "subsites")
    n_sub = sub_rng.choices((0, 1, 2), weights=(3, 2, 1))[0]
    streets = sub_rng.sample(_STREETS, n_sub + sub_rng.randint(0, 3))
    subsites = tuple(SubsitePlan(i + 1, f"{s}街道办事处", f"jd{i + 1}") for i, s in enumerate(streets[:n_sub]))
    in_column = tuple(f"{s}街道办事处" for s in streets[n_sub:])
    trap_rng = _rng(seed, "traps")
    traps = frozenset(t for t in TRAPS if trap_rng.random() < 0.5)
    dept_rng = _rng(seed, "departments")
    departments = tuple(dept_rng.sample(_DEPARTMENTS, dept_rng.randint(0, 3)))
    body_rng = _rng(seed, "bodies")
    n_slots = len(years) + len(departments) + len(in_column) + 2 * n_sub + 4
    bodies = tuple(body_rng.choice(("template", "template", "seed")) for _ in range(n_slots))
    script = _pick(seed, "script", SCRIPTS, (3, 1))
    mojibake = _pick(seed, "mojibake", MOJIBAKE, MOJIBAKE_WEIGHTS)
    if mojibake == "utf8_as_gbk" and script == "traditional":
        mojibake = "none"  # the portal converts what it serves to Traditional: GB18030-read UTF-8 would not survive that
    return PortalPlan(
        seed=seed, name=f"{a[1]}{b[1]}{kind}", label=a[0] + b[0], family=family,
        charset=_pick(seed, "charset", CHARSETS),
        charset_decl=_pick(seed, "charset_decl", CHARSET_DECLS, (3, 2, 1, 1)),
        list_mechanism=_pick(seed, "list", LIST_MECHANISMS),
        pagination=_pick(seed, "pagination", PAGINATIONS),
        page_size=_rng(seed, "page_size").choice((3, 4, 5, 6, 8, 10)),
        counter=_pick(seed, "counter", COUNTERS, (2, 2, 2, 1, 1, 1, 1)),
        attachments=_pick(seed, "attachments", ATTACHMENTS, (2, 1, 1, 1)),
        script=script, mojibake=mojibake,
        subsites=subsites, traps=traps,
        column_dir=_pick(seed, "column_dir", COLUMN_DIRS),
        column_text=_pick(seed, "column_text", COLUMN_TEXTS),
        section_dir=_pick(seed, "section_dir", SECTION_DIRS),
        section_text=_pick(seed, "section_text", SECTION_TEXTS),
        years=years, departments=departments, street_reports_in_column=in_column, body_sources=bodies,
    )


def choices_of(plan: PortalPlan) -> dict[str, str]:
    """The mechanism-level choices, by name: what the benchmark groups its figures by."""
    return {"family": plan.family, "charset": f"{plan.charset}/{plan.charset_decl}", "list": plan.list_mechanism,
            "pagination": plan.pagination if plan.list_mechanism == "static" else "-", "counter": plan.counter, "attachments": plan.attachments,
            "script": plan.script, "subsites": str(len(plan.subsites)), "mojibake": plan.mojibake}
