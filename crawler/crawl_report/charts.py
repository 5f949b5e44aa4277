"""The report's charts as PNG bytes (matplotlib, Agg), with CJK labels.

Labels carry agency names (清河区人民政府), so a CJK font must be registered with matplotlib:
Debian's fonts-wqy-zenhei (scripts/setup.sh installs it). Without it matplotlib would draw empty
boxes; the report then says so instead of pretending.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

# WenQuanYi Zen Hei has one weight (500); matplotlib says so for every label it draws.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

CJK_FONT_FILES = ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",)
CJK_FONT_NAME = "WenQuanYi Zen Hei"
CHANGE_COLOURS = {"new": "#2e7d32", "changed": "#f9a825", "unchanged": "#90a4ae", "removed": "#c62828"}


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Register WenQuanYi Zen Hei with matplotlib; its family name, or None when it is not installed."""
    candidates = [Path(p) for p in CJK_FONT_FILES] + [
        Path(p) for p in font_manager.findSystemFonts() if "zenhei" in Path(p).name.lower()]
    for path in candidates:
        if path.exists():
            font_manager.fontManager.addfont(str(path))
            matplotlib.rcParams["font.family"] = ["sans-serif"]
            matplotlib.rcParams["font.sans-serif"] = [CJK_FONT_NAME, "DejaVu Sans"]
            matplotlib.rcParams["axes.unicode_minus"] = False
            return CJK_FONT_NAME
    return None


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def reports_by_year(years: Sequence[int | None], series: dict[str, Sequence[int]]) -> bytes:
    """Stacked bars: reports per report year (x), one colour per site (series[label][i] for years[i])."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(years) + 3), 3.6))
    xs = list(range(len(years)))
    bottom = [0] * len(years)
    cmap = plt.get_cmap("tab10")
    for k, (label, values) in enumerate(series.items()):
        ax.bar(xs, values, 0.7, bottom=bottom, label=label, color=cmap(k % 10))
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    ax.set_xticks(xs, [str(y) if y else "年份不明" for y in years], fontsize=8, rotation=45)
    ax.set_ylabel("年报数 reports")
    ax.set_title("各年度的年报（按站点）Reports per report year, by site")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside, not on, the bars
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def changes_per_site(labels: Sequence[str], changes: Sequence[dict]) -> bytes:
    """Stacked horizontal bars: this crawl's new / changed / unchanged / removed per site."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(labels) + 1.4))
    left = [0] * len(labels)
    for kind, colour in CHANGE_COLOURS.items():
        values = [c.get(kind, 0) for c in changes]
        ax.barh(range(len(labels)), values, left=left, color=colour, label=kind)
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_title("本次抓取的变化 Changes this crawl")
    ax.legend(fontsize=7, ncols=4, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def views_history(crawl_ids: Sequence[str], series: dict[str, Sequence[int | None]]) -> bytes:
    """One line per site: the sum of its reports' view counts at each crawl."""
    cjk_font()
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    xs = list(range(len(crawl_ids)))
    for label, values in series.items():
        ax.plot(xs, values, marker="o", label=label)
    ax.set_xticks(xs, crawl_ids, fontsize=7, rotation=15)
    ax.set_ylabel("浏览次数 views")
    ax.set_title("浏览量历史 Views per crawl")
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def failures_by_reason(reasons: Sequence[str], counts: Sequence[int]) -> bytes:
    cjk_font()
    fig, ax = plt.subplots(figsize=(6.0, 0.45 * len(reasons) + 1.2))
    ax.barh(range(len(reasons)), counts, color="#c62828")
    ax.set_yticks(range(len(reasons)), reasons, fontsize=8)
    ax.invert_yaxis()
    for i, n in enumerate(counts):
        ax.text(n, i, f" {n}", va="center", fontsize=8)
    ax.set_title("失败原因 Failures by reason")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
