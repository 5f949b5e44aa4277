"""Issue 9 item 6: no mojibake in a report's text — the one repair (pipelines/mojibake.py), on every
text a record is made of, and real text left as it is.

The garbled strings are made by the generator's garbler (tests/fixtureweb/generated/garble.py) from
clean text, the way each class is made in the wild; the check for what is left is the benchmark's
detector (benchmarks/mojibake.py), which shares nothing with the repair.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.mojibake import find_mojibake, real_texts
from pipelines import attachment_report, mojibake
from pipelines.decode import decode_body
from pipelines.textnorm import normalize
from pipelines.warnings import MOJIBAKE_LOST, MOJIBAKE_REPAIRED, code_of
from tests.conftest import SHARED
from tests.fixtureweb.generated import GeneratedWeb, plan_for
from tests.fixtureweb.generated import garble as G

LINES = ["二、主动公开政府信息情况", "本年度共主动公开政府信息1,234条，其中公开规范性文件12件。",
         "（一）政府信息公开工作机构建设情况：由区政府办公室负责，配备专职工作人员2名。",
         "三、收到和处理政府信息公开申请情况", "依据《条例》，2023年度我区未收取信息处理费。"]


@pytest.mark.parametrize("kind", ["gbk_shift", "utf8_as_gbk", "latin1", "lost"])
@pytest.mark.parametrize("seed", range(6))
def test_each_class_is_repaired_and_leaves_no_marker(kind: str, seed: int) -> None:
    served, promised = G.garble(kind, ["标题", *LINES], random.Random(seed))
    assert served != ["标题", *LINES]
    text, warnings = mojibake.repair_text("\n".join(served))
    assert find_mojibake(text) == [], (served, text)
    for back in promised:
        assert normalize(back) in normalize(text), (back, text)
    assert {code_of(w) for w in warnings} <= {MOJIBAKE_REPAIRED, MOJIBAKE_LOST} and warnings


def test_the_seed_mirrors_shifted_paragraphs_are_read_back() -> None:
    """Seed 000's own runs: ?。ㄒ唬┙M織 → 　（一）組織, and the run a portal converted to Traditional afterwards."""
    assert mojibake.repair("?。ㄒ唬┙M織機構建設情況")[0] == "\u3000（一）組織機構建設情況"
    assert mojibake.repair("?。ㄎ澹┘訌姟稐l例》宣傳")[0] == "\u3000（五）加強《條例》宣傳"
    # 吨赌夸 written 噸賭誇 by a portal's s2t after the byte was lost: read back, though which of the
    # run's characters were Traditional before (幹 闆 were) is a guess, so the text may differ in a word.
    converted = "?。ǘ噸改稀泛汀賭誇洝返木幹乒ぷ髑闆r"
    fixed = mojibake.repair(converted)[0]
    assert find_mojibake(fixed) == [] and fixed.startswith("\u3000（") and fixed.endswith("工作情況")
    assert mojibake.repair("?。ǘ吨改稀泛汀赌夸洝返木幹乒ぷ髑闆r")[0] == "\u3000（抖指南》和《目錄》的編制工作情況"


@pytest.mark.parametrize("text", ["你好?", "是否?是的A座", "问题?请拨打A座电话", "依据《条例(试行)》,全年公开信息86条?",
                                  "café au lait, naïve", "第①项 ─ 表格", "政府信息公開工作年度報告", "（一）组织"])
def test_plain_text_is_not_touched(text: str) -> None:
    assert mojibake.repair(text) == (text, mojibake.Repairs())


def test_real_text_is_left_byte_identical() -> None:
    """Every real text in ../shared — seeds, gold texts, pages as decoded and as extracted — is unchanged."""
    texts = real_texts()
    for path in sorted((SHARED / "seeds").glob("00[1234]_*.txt")):
        texts[path.name] = path.read_text(encoding="utf-8")
    for path in sorted((SHARED / "corpus" / "public-pages").rglob("*.htm*")):
        texts[f"raw:{path}"] = decode_body(path.read_bytes(), {}).text
    assert len(texts) > 40
    changed = {name: mojibake.repair(t)[1] for name, t in texts.items() if mojibake.repair(t)[0] != t}
    assert changed == {}


def test_attachment_text_gets_the_repair() -> None:
    served, _ = G.garble("utf8_as_gbk", ["标题", *LINES], random.Random(1))
    text, warnings = attachment_report.repair_file_text("\n".join(served))
    assert find_mojibake(text) == [] and "主动公开政府信息情况" in text
    assert [code_of(w) for w in warnings][:1] == [MOJIBAKE_REPAIRED]


def test_the_generator_models_each_class_with_variation() -> None:
    """Not one fixed string: every class occurs, on several CMS families, and garbled paragraphs differ."""
    plans = [plan_for(s) for s in range(1, 301)]
    by_class: dict[str, set[str]] = {}
    for p in plans:
        by_class.setdefault(p.mojibake, set()).add(p.family)
    assert set(by_class) == set(G.MOJIBAKE)
    assert all(len(families) >= 3 for families in by_class.values()), by_class
    gen = GeneratedWeb([s for s in range(1, 61) if plan_for(s).mojibake != "none"])
    promised = Counter(back for r in gen.expected_reports() for back in r["text_must_contain"])
    total = sum(promised.values())
    # Template reports share headings (六、其他需要报告的事项), so a piece may recur; no piece is most of them.
    assert len(promised) >= 100 and promised.most_common(1)[0][1] <= 0.05 * total, promised.most_common(3)


def test_shared_material_is_there() -> None:
    assert Path(SHARED / "seeds").is_dir() and any((SHARED / "corpus" / "public-pages").rglob("*.html"))


def test_utf8_read_as_gb18030_gets_its_lone_continuation_byte_back() -> None:
    """GB18030 has no sequence starting 0x80: the reader's U+FFFD inside a run is that byte (开 is
    E5 BC 80), put back; before an ASCII byte it is a lead byte whose trail was refused: lost."""
    served = "2022年政府信息公开工作年度报告".encode().decode("gb18030", errors="replace")
    assert "\ufffd" in served
    assert mojibake.repair(served)[0] == "2022年政府信息公开工作年度报告"
    served = "东龙县人民政府2022年政府信息公开工作年度报告".encode().decode("gb18030", errors="replace")
    fixed, done = mojibake.repair(served)
    assert fixed == "东龙县人民政2022年政府信息公开工作年度报告" and done.lost == 1


def test_a_latin1_run_whose_carrier_dropped_bytes_is_still_read_back() -> None:
    """cp1252's holes (0x81 0x8D 0x8F 0x90 0x9D) written '?' by a carrier, read twice: more than a
    quarter of the characters are gone, yet the rest is Chinese, so the run does not stay garbled."""
    served = "四、政府信息公开的收费及减免情况"
    for _ in range(2):
        served = G._windows_1252(served.encode("utf-8"))
    served = "".join("?" if c in "\x81\x8d\x8f\x90\x9d" else c for c in served)
    fixed, warnings = mojibake.repair_text(served)
    assert find_mojibake(fixed) == [] and fixed.startswith("四") and fixed.endswith("情况")
    assert {code_of(w) for w in warnings} == {MOJIBAKE_REPAIRED, MOJIBAKE_LOST}


def test_a_title_takes_its_lost_characters_from_the_pages_clean_text_only() -> None:
    """锟斤拷 / U+FFFD in a heading: the character comes back when the page's clean text (a 来源 line)
    holds it between the same neighbours, one way only; the garbled heading itself is no witness."""
    served = "锟斤拷龙区人\ufffd政\ufffd2020年政府信息公开工作年度报告"
    page = f"{served}\n发布时间：2021-01-20　来源：北龙区人民政府"
    title, warnings = mojibake.repair_text(served, "title", context=page)
    assert title == "北龙区人民政府2020年政府信息公开工作年度报告"
    assert [code_of(w) for w in warnings] == [MOJIBAKE_REPAIRED]
    alone, warnings = mojibake.repair_text(served, "title", context=served)
    assert alone == "龙区人政2020年政府信息公开工作年度报告" and MOJIBAKE_LOST in {code_of(w) for w in warnings}
    # Two readings on the page (人民政府, 人民法院): neither is taken.
    assert mojibake.repair_text("东龙县人民\ufffd", "title", context="东龙县人民政府 东龙县人民法院")[0] == "东龙县人民"


def test_a_line_ending_latin1_run_gets_the_no_break_space_a_normaliser_stripped() -> None:
    """报告 read as cp1252 twice ends 'Å' + U+00A0; folding whitespace drops the U+00A0, not the 告."""
    served = "2019年政务公开工作年度报告"
    for _ in range(2):
        served = G._windows_1252(served.encode())
    assert served.endswith("\u00a0")
    assert mojibake.repair(" ".join(served.split()))[0] == "2019年政务公开工作年度报告"


# UTF-8 read as GBK the way a WHATWG reader does ("gbk" is GB18030's decoder): a byte no sequence
# takes becomes U+FFFD, and a year's ASCII digits cut the garbled title into runs.
def _read_as_gbk(text: str) -> str:
    return text.encode("utf-8").decode("gb18030", errors="replace")


def test_a_short_run_beside_a_repaired_one_is_re_read_across_a_year() -> None:
    garbled = _read_as_gbk("华青区人民政府政府信息公开工作年度报告（2023年度）")
    assert mojibake.repair(garbled)[0] == "华青区人民政府政府信息公开工作年度报告2023年度"  # （）lost with their bytes
    # Clean Chinese beside it, and a text with no repaired run, are left as they are.
    assert mojibake.repair(garbled + "_华青区人民政府")[0].endswith("2023年度_华青区人民政府")
    assert mojibake.repair("骞村害")[0] == "骞村害"


@pytest.mark.parametrize("title", ["丰北县2020年政府信息公开工作的年度报告", "华青区人民政府政府信息公开工作年度报告（2023年度）",
                                   "柏宁县人民政府2021年政府信息公开工作的年度报告"])
def test_a_report_whose_title_came_garbled_and_lost_a_character_is_still_a_report(title: str) -> None:
    from pipelines.page import FetchedPage
    from pipelines.report import build_report

    garbled = _read_as_gbk(title)
    body = (f"<html><head><title>{garbled}</title></head><body><h1>{garbled}</h1><p>"
            + "本报告根据《中华人民共和国政府信息公开条例》编制，内容包括总体情况、主动公开政府信息情况。" * 5
            + "</p></body></html>")
    page = FetchedPage(url="http://www.fb.gov.cn/xxgk/nb/202101/t20210105_1.html", status=200,
                       headers={"content-type": "text/html; charset=utf-8"}, body=body.encode("utf-8"),
                       fetched_at="2026-01-01T00:00:00Z")
    record = build_report(page)
    assert record is not None and record["report_year"] == int(title.partition("20")[2][:2]) + 2000


def test_a_lost_character_after_digits_is_not_filled_from_one_side() -> None:
    # "3年度" then a lost ）: the body's "2023年度我区" must not answer 我.
    assert mojibake.fill_lost("报告（2023年度\ufffd", "2023年度我区深入贯彻")[0] == "报告（2023年度"
    assert mojibake.fill_lost("\ufffd江县文化街道", "北江县文化街道办事处")[0] == "北江县文化街道"
