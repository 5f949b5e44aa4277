"""Text and metadata quality of gongkai against bare trafilatura, readability-lxml and GNE.

Run: .venv/bin/python -m benchmarks.quality

Gold set 1: tests/gold/ (report pages modelled on real portals, seeds inside; expected.jsonl).
gongkai goes through pipelines.report.build_report on a FetchedPage, the real crawl/replay path.
Gold set 2: /work/shared/corpus/public-pages (real pages; not annual reports, so gongkai runs its
text path pipelines.extract.extract_page_text, the same stages build_report uses).

Text F1 is over character bigrams with all whitespace removed (paragraph layout is not scored).
A leak is a chrome marker present in the output but absent from the gold text.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from pipelines import decode
from pipelines.extract import extract_page_text
from pipelines.page import FetchedPage
from pipelines.report import build_report
from tests.shared_material import SHARED

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "gold"
PUBLIC = Path(os.environ.get("GONGKAI_PUBLIC_PAGES", SHARED / "corpus" / "public-pages"))
CHROME_MARKERS = [
    "首页 >>", "首页>>", "当前位置", "现在位置", "您当前的位置", "字体：", "【打印", "打印本页", "关闭窗口", "【关闭",
    "分享到", "扫一扫", "上一篇", "下一篇", "今天是", "星期二", "网站标识码", "ICP", "主办单位", "主办：", "承办",
    "技术支持：", "版权所有", "浏览次数", "点击:", "浏览:", "访问量", "欢迎来到", "浏览记录", "由会员上传分享",
    "此文档下载收益归作者所有", "大小:", "页数:", "热门搜索", "范文", "相关推荐", "(qū)", "(wù)", "網站地圖",
    "设为首页", "收藏本站", "相关文档", "网站地图", "公网安备",
]
META_FIELDS = ("title", "agency", "publish_date", "views", "report_year", "source_kind")


def bigrams(text: str) -> Counter:
    s = "".join(text.split())
    return Counter(s[i:i + 2] for i in range(len(s) - 1))


def f1(pred: str, gold: str) -> float:
    p, g = bigrams(pred), bigrams(gold)
    if not p or not g:
        return float(p == g)
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    prec, rec = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * prec * rec / (prec + rec)


def leaks(pred: str, gold: str) -> list[str]:
    return [m for m in CHROME_MARKERS if m in pred and m not in gold]


def page_for(path: Path, url: str) -> FetchedPage:
    return FetchedPage(url=url, status=200, headers={"content-type": "text/html"}, body=path.read_bytes(),
                       fetched_at="2026-01-01T00:00:00Z")


# --- systems: each returns (text, metadata dict or None) ------------------------------------


def run_gongkai_report(page: FetchedPage) -> tuple[str, dict | None]:
    rec = build_report(page)
    if rec is None:  # classification dropped it: score the text path, metadata as missing
        return extract_page_text(page)[0], {}
    return rec.get("text") or "", rec


def run_gongkai_text(page: FetchedPage) -> tuple[str, dict | None]:
    return extract_page_text(page)[0], None


def run_trafilatura(page: FetchedPage) -> tuple[str, dict | None]:
    import trafilatura

    text = trafilatura.extract(page.body, url=page.url, include_tables=True) or ""
    meta = trafilatura.extract_metadata(page.body, default_url=page.url)
    md = {"title": meta.title, "publish_date": meta.date} if meta else {}
    return text, md


def run_readability(page: FetchedPage) -> tuple[str, dict | None]:
    import lxml.html
    from readability import Document

    doc = Document(page.body)
    text = lxml.html.fromstring(doc.summary()).text_content()
    return text, {"title": doc.short_title()}


def run_gne(page: FetchedPage) -> tuple[str, dict | None]:
    from gne import GeneralNewsExtractor

    html = decode.decode_body(page.body, page.headers).text  # GNE takes str, not bytes
    res = GeneralNewsExtractor().extract(html)
    date = (res.get("publish_time") or "")[:10] or None
    return res.get("content") or "", {"title": res.get("title"), "publish_date": date}


SYSTEMS = {"gongkai": (run_gongkai_report, run_gongkai_text), "trafilatura": (run_trafilatura, run_trafilatura),
           "readability": (run_readability, run_readability)}
try:
    import gne  # noqa: F401

    SYSTEMS["gne"] = (run_gne, run_gne)
except ImportError:
    pass


def safe(fn, page):
    t0 = time.perf_counter()
    try:
        text, md = fn(page)
    except Exception as exc:  # a baseline crashing on a page scores zero on it
        text, md = "", {"error": repr(exc)}
    return text, md, time.perf_counter() - t0


def _norm_meta(v):
    if v is None or v == "":
        return None
    return "".join(str(v).split())


def gold_set() -> dict:
    rows = [json.loads(line) for line in (GOLD / "expected.jsonl").read_text(encoding="utf-8").splitlines() if line]
    results = {}
    for name, (fn, _) in SYSTEMS.items():
        per_kind: dict[str, list[float]] = {}
        allf, leak_list, meta_hits, secs = [], [], Counter(), []
        for g in rows:
            text, md, dt = safe(fn, page_for(GOLD / g["file"], g["url"]))
            secs.append(dt)
            score = f1(text, g["text"])
            allf.append(score)
            per_kind.setdefault(g["source_kind"], []).append(score)
            leak_list += [(g["file"], m) for m in leaks(text, g["text"])]
            for field in META_FIELDS:
                if md is not None and field in md:
                    meta_hits[field] += _norm_meta(md.get(field)) == _norm_meta(g.get(field))
                elif md is None or (field not in md and name != "gongkai"):
                    meta_hits[field] = meta_hits.get(field, "n/a") if meta_hits.get(field) != 0 else 0
        results[name] = {
            "f1": statistics.mean(allf), "kinds": {k: statistics.mean(v) for k, v in per_kind.items()},
            "leaks": leak_list, "meta": {f: meta_hits.get(f, "n/a") for f in META_FIELDS}, "n": len(rows),
            "ms": 1000 * statistics.mean(secs), "per_page": allf,
        }
    return {"rows": rows, "results": results}


def public_set() -> dict:
    pages: list[tuple[Path, str, str, dict]] = []  # (html, url, kind, gold)
    magic = PUBLIC / "magic-html/benchmark/data/article"
    if (magic / "base.subset.json").exists():
        for key, item in json.loads((magic / "base.subset.json").read_text(encoding="utf-8")).items():
            pages.append((magic / "htmls" / f"{key}.html", item["url"], "full", {"text": item["content"]}))
    news = PUBLIC / "newspaper/tests/data"
    if (news / "text/chinese.txt").exists():
        pages.append((news / "html/chinese_article.html", "https://www.bbc.com/zhongwen/simp/chinese_news/2012/12/121210_hongkong_politics_lau_leung",
                      "full", {"text": (news / "text/chinese.txt").read_text(encoding="utf-8")}))
    traf = PUBLIC / "trafilatura/tests"
    if (traf / "evaldata.subset.json").exists():
        for url, item in json.loads((traf / "evaldata.subset.json").read_text(encoding="utf-8")).items():
            pages.append((traf / "eval" / item["file"], url, "snippets", item))
    results = {}
    for name, (_, fn) in SYSTEMS.items():
        full, snip, secs = [], [], []
        for path, url, kind, gold in pages:
            text, _md, dt = safe(fn, page_for(path, url))
            secs.append(dt)
            if kind == "full":
                full.append(f1(text, gold["text"]))
            else:
                squash = "".join(text.split())
                ok = sum("".join(s.split()) in squash for s in gold["with"])
                ok += sum("".join(s.split()) not in squash for s in gold["without"])
                snip.append(ok / (len(gold["with"]) + len(gold["without"])))
        results[name] = {"f1": statistics.mean(full) if full else float("nan"), "n_full": len(full),
                         "snippets": statistics.mean(snip) if snip else float("nan"), "n_snip": len(snip),
                         "min_f1": min(full) if full else float("nan"), "ms": 1000 * statistics.mean(secs) if secs else 0}
    return results


def fmt(v) -> str:
    return f"{v:.3f}" if isinstance(v, float) else str(v)


def main() -> int:
    g = gold_set()
    res = g["results"]
    kinds = sorted({r["source_kind"] for r in g["rows"]})
    print(f"== Gold report pages (tests/gold, {len(g['rows'])} pages) ==")
    head = ["system", "F1 all"] + [f"F1 {k}" for k in kinds] + ["leaks"] + list(META_FIELDS) + ["ms/page"]
    print(" | ".join(head))
    for name, r in res.items():
        meta = [r["meta"][f] if isinstance(r["meta"][f], str) else f"{r['meta'][f]}/{r['n']}" for f in META_FIELDS]
        print(" | ".join([name, fmt(r["f1"])] + [fmt(r["kinds"].get(k, float("nan"))) for k in kinds]
                         + [str(len(r["leaks"]))] + meta + [f"{r['ms']:.0f}"]))
    print("\nper page F1: " + ", ".join(r["file"] for r in g["rows"]))
    for name, r in res.items():
        print(f"  {name:12s} " + "  ".join(f"{x:.3f}" for x in r["per_page"]))
    if res["gongkai"]["leaks"]:
        print("gongkai leaks:", res["gongkai"]["leaks"])
    pub = public_set()
    print("\n== Public pages with gold (magic-html + newspaper full text; trafilatura eval snippets) ==")
    print("system | F1 full-text (mean) | F1 min | snippet accuracy | ms/page")
    for name, r in pub.items():
        print(f"{name} | {fmt(r['f1'])} (n={r['n_full']}) | {fmt(r['min_f1'])} | {fmt(r['snippets'])} (n={r['n_snip']}) | {r['ms']:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
