"""Mojibake left in report records (issue 9 item 6), counted by a detector that knows nothing of the repair.

Run: ``.venv/bin/python -m benchmarks.mojibake --seeds 1-60`` (then seeds no rule was tuned on, e.g. 5000-5039)

1. Builds every expected report of the generated portals (tests/fixtureweb/generated) offline, the way
   the crawl completes it: the page (or the file a list links straight to) answered by the generator,
   its counter and attachments requested as pipelines.completion.plan says, then
   pipelines.report.build_report.
2. Looks for mojibake in each record's text and title with ``find_mojibake``: marker characters a
   clean Chinese text never holds (U+FFFD, 锟斤拷, bopomofo / box drawing / kana next to CJK text,
   Latin-1 read UTF-8 such as ``Ã¥Â``, an ASCII ``?`` standing inside CJK text) and runs of CJK
   characters outside GB2312 (after Traditional → Simplified), which is what UTF-8 read as GBK
   (鍏紑) and GBK read one byte off look like.
3. Runs the same detector over real text (../shared/seeds 002–004 and the gold texts of
   ../shared/corpus/public-pages): it must find nothing there, or its counts mean nothing.

Prints reports built, reports with mojibake (by marker and by family / attachment kind), examples.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.discovery import parse_seeds  # noqa: E402
from pipelines import completion  # noqa: E402
from pipelines.document import parse_page  # noqa: E402
from pipelines.extract import extract_page_text  # noqa: E402
from pipelines.page import FetchedPage  # noqa: E402
from pipelines.report import build_report  # noqa: E402
from pipelines.textnorm import normalize  # noqa: E402
from tests.fixtureweb.common import Req  # noqa: E402
from tests.fixtureweb.generated import GeneratedWeb, plan_for  # noqa: E402
from tests.shared_material import SHARED  # noqa: E402

# --- the detector: independent of pipelines/ (it imports none of its rules) -------------------------

_CJK = "\u4e00-\u9fff\u3400-\u4dbf"
_MARKERS = {
    "U+FFFD": re.compile("\ufffd"),
    "锟斤拷": re.compile("锟斤拷|烫烫|屯屯"),  # U+FFFD / uninitialised memory as UTF-8 read as GBK
    # Bopomofo, box drawing, kana (but not ・ ー, which Chinese text uses) within two characters of CJK.
    "bopomofo/box/kana": re.compile(rf"(?:[{_CJK}].?)[\u3100-\u312f\u2500-\u257f\u3041-\u30fa\uff66-\uff9f]"
                                    rf"|[\u3100-\u312f\u2500-\u257f\u3041-\u30fa\uff66-\uff9f](?:.?[{_CJK}])"),
    # UTF-8 lead byte read as Latin-1/cp1252, followed by a continuation byte read the same way.
    "latin-1": re.compile("[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192"
                          "\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"),
    # A decoder's stand-in for a lost byte: ASCII '?' inside CJK text (Chinese writes ？).
    "stray ?": re.compile(rf"(?:^|(?<=[{_CJK}\u3000-\u303f\uff01-\uff60]))\?+(?=[{_CJK}\u3000-\u303f\uff01-\uff60])", re.M),
}
_WINDOW, _RARE_IN_WINDOW = 8, 3  # 3 of 8 consecutive CJK characters outside GB2312: not Chinese prose
_t2s = None


def _simplified(text: str) -> str:
    global _t2s
    if _t2s is None:
        from opencc import OpenCC

        _t2s = OpenCC("t2s").convert
    return _t2s(text)


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def rare_runs(text: str) -> list[str]:
    """Stretches where CJK characters outside GB2312 (after t2s) crowd together."""
    found: list[str] = []
    for run in re.findall(rf"[{_CJK}]+", _simplified(text)):
        rare = [not _in_gb2312(c) for c in run]
        for i in range(max(1, len(run) - _WINDOW + 1)):
            if sum(rare[i:i + _WINDOW]) >= _RARE_IN_WINDOW:
                found.append(run[i:i + _WINDOW])
                break
    return found


def find_mojibake(text: str) -> list[tuple[str, str]]:
    """(marker, excerpt) for every kind of mojibake found in ``text`` (first hit of each kind)."""
    hits = []
    for name, rx in _MARKERS.items():
        m = rx.search(text)
        if m:
            hits.append((name, text[max(0, m.start() - 6):m.end() + 6]))
    runs = rare_runs(text)
    if runs:
        hits.append(("non-GB2312 run", runs[0]))
    return hits


# --- building the records offline, as the crawl completes a page -------------------------------------


def _fetch(gen: GeneratedWeb, url: str, headers: dict[str, str] | None = None, link_text: str | None = None
           ) -> FetchedPage:
    parts = urlsplit(url)
    req = Req(method="GET", host=parts.hostname or "", path=parts.path or "/", query=dict(parse_qsl(parts.query)),
              body=b"", headers=dict(headers or {}), hits=1)
    resp = gen.handle(req)
    body = resp.body if isinstance(resp.body, bytes | bytearray) else b"".join(resp.body)
    return FetchedPage(url=url, status=resp.status, headers={"content-type": resp.content_type}, body=bytes(body),
                       fetched_at="2026-12-02T00:00:00Z", link_text=link_text)


def build(gen: GeneratedWeb, expected: dict) -> dict | None:
    page = _fetch(gen, expected["url"], link_text=expected["title"])
    for step in completion.plan(page, parse_page(page)):
        answer = _fetch(gen, step.url, step.headers, step.link_text)
        if step.kind == completion.COUNTER:
            completion.pair_counter(page, step, answer.body, answer.content_type)
        else:
            completion.pair_attachment(page, answer)
    return build_report(page)


def title_holds(title: str, pieces: list[str]) -> bool:
    """``title`` holds ``pieces`` in order (compared Simplified: a portal serving Traditional keeps it)."""
    at, title = 0, normalize(title)
    for piece in pieces:
        at = title.find(normalize(piece), at)
        if at < 0:
            return False
        at += len(normalize(piece))
    return True


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for v in value for s in _strings(v)] if isinstance(value, list) else []


def real_texts() -> dict[str, str]:
    """Clean real text: the scraped seeds without noise, the corpus's gold texts, and what gongkai
    extracts from each real saved page."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted((SHARED / "seeds").glob("00[234]_*.txt"))}
    pages = SHARED / "corpus" / "public-pages"
    for p in sorted(pages.rglob("*.json")):
        for i, s in enumerate(x for x in _strings(json.loads(p.read_text(encoding="utf-8"))) if len(x) > 200):
            texts[f"{p.relative_to(SHARED)}#{i}"] = s
    for p in sorted(pages.rglob("*.htm*")):
        page = FetchedPage(url="http://example.gov.cn/a.html", status=200, headers={"content-type": "text/html"},
                           body=p.read_bytes(), fetched_at="2026-12-02T00:00:00Z")
        texts[str(p.relative_to(SHARED))] = extract_page_text(page)[0]
    return texts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--seeds", default="1-60")
    ap.add_argument("--examples", type=int, default=8)
    args = ap.parse_args()
    seeds = parse_seeds(args.seeds)
    gen = GeneratedWeb(seeds)
    built = missing = promised = 0
    not_back: list[tuple[dict, str]] = []
    dirty: list[tuple[dict, list[tuple[str, str]]]] = []
    by_marker: Counter = Counter()
    by_kind: Counter = Counter()
    titles_garbled = 0
    titles_wrong: list[tuple[dict, str | None]] = []
    titles_missed = titles_whole = 0
    for seed in seeds:
        for exp in gen.expected_reports(seed):
            rec = build(gen, exp)
            garbled = exp["title_served"] != exp["title"]
            titles_garbled += garbled
            if rec is None:
                missing += 1
                titles_missed += garbled
                continue
            if garbled and not title_holds(rec.get("title") or "", exp["title_must_contain"]):
                titles_wrong.append((exp, rec.get("title")))
            titles_whole += garbled and normalize(rec.get("title")) == normalize(exp["title"])
            built += 1
            text = normalize(rec.get("text") or "")
            for back in exp["text_must_contain"]:
                promised += 1
                if normalize(back) not in text:
                    not_back.append((exp, back))
            hits = [(f"text:{m}", x) for m, x in find_mojibake(rec.get("text") or "")]
            hits += [(f"title:{m}", x) for m, x in find_mojibake(rec.get("title") or "")]
            if hits:
                dirty.append((exp, hits))
                by_marker.update({m for m, _ in hits})
                by_kind[(plan_for(seed).family, exp["attachment"], "file" if exp["direct_file"] else "page")] += 1
    print(f"seeds {args.seeds}: {built} reports built ({missing} expected reports gave no record)")
    print(f"reports whose text or title holds mojibake: {len(dirty)} of {built}")
    for marker, n in by_marker.most_common():
        print(f"  {marker:28s} {n}")
    for (family, attachment, where), n in by_kind.most_common():
        print(f"  family={family} attachment={attachment} ({where}): {n}")
    for exp, hits in dirty[:args.examples]:
        print(f"  e.g. seed {exp['seed']} {exp['url']}: " + "; ".join(f"{m} {x!r}" for m, x in hits[:3]))
    print(f"report pages served with a garbled title: {titles_garbled}; no record: {titles_missed}; "
          f"record title without what the generator promises back: {len(titles_wrong)}; "
          f"record title the clean title whole: {titles_whole}")
    for exp, got in titles_wrong[:args.examples]:
        print(f"  e.g. seed {exp['seed']} ({plan_for(exp['seed']).mojibake}) {exp['title_served']!r} -> {got!r}, "
              f"want {exp['title_must_contain']}")
    print(f"garbled paragraphs the generator promises back: {promised}; missing from the text: {len(not_back)}")
    for exp, back in not_back[:args.examples]:
        print(f"  e.g. seed {exp['seed']} ({plan_for(exp['seed']).mojibake}) {exp['url']}: {back[:40]!r}")
    real = real_texts()
    false = {name: find_mojibake(t) for name, t in real.items() if find_mojibake(t)}
    print(f"detector on real clean text: {len(false)} of {len(real)} texts flagged")
    for name, hits in list(false.items())[:5]:
        print(f"  {name}: {hits[:2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
