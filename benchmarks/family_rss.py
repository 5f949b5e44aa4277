"""The crawl's process family sampled from /proc while it runs: peak RSS and PSS, what was up at the peak,
each kind's own peak, and the time spent over issue 9's bound with the kinds that were up then.

One sampler for every benchmark that reports the family's memory (browser, discovery), so their figures
are read the same way: the family is the crawl's own reading of it (pipelines/memory.py), sampled every
SAMPLE_SECONDS.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

from pipelines import memory

SAMPLE_SECONDS = 0.05
# Issue 9's bound on the family (crawler/settings.py's GONGKAI_FAMILY_RSS_BUDGET_MB): the time spent over
# it is printed with the kinds that were up then (each holding at least OVER_MEMBER bytes).
BUDGET = 600 * 2 ** 20
OVER_MEMBER = 10 * 2 ** 20
MB = 2 ** 20


def kind(cmdline: str) -> str:
    """What a member of the family is, from its command line."""
    if (browser := memory.browser_kind(cmdline)) is not None:
        return browser
    if not cmdline.strip():
        return "no command line (starting or exiting)"
    if "crawler.cli" in cmdline or "bin/gongkai " in cmdline:  # python -m crawler.cli, or the entry point
        return "crawler"
    if "script_sandbox" in cmdline:  # the script sandbox's own child (an extraction pool of one)
        return "script sandbox"
    if "extract_pool" in cmdline or "multiprocessing" in cmdline:  # python -c "…crawler.extract_pool…"
        return "extraction workers"
    if "pipelines.attachments" in cmdline:
        return "attachment converters (python)"
    if "soffice" in cmdline or "oosplash" in cmdline:
        return "libreoffice"
    return "other children (tesseract, antiword, …)"


def family(root: int) -> list[tuple[int, int, int, str, str]]:
    """(pid, rss, pss, kind, command line) of `root` and every live descendant, each member's PSS
    beside its RSS."""
    out = []
    for member in memory.family(root):
        try:
            pss = next((int(line.split()[1]) * 1024 for line in Path(f"/proc/{member.pid}/smaps_rollup")
                        .read_text().splitlines() if line.startswith("Pss:")), 0)
        except OSError:
            continue  # exited while we looked
        out.append((member.pid, member.rss, pss, kind(member.cmdline), member.cmdline[:200]))
    return out


class FamilySampler:
    """Samples the family of `root` in a thread from start() until stop(); the figures in figures()."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak_rss = self.peak_pss = self.samples = 0
        self.at_peak: list[tuple[int, int, int, str, str]] = []
        self.by_kind_max: dict[str, int] = defaultdict(int)
        self.kind_peak_members: dict[str, list[tuple[int, str]]] = {}
        self.together = 0.0  # seconds LibreOffice and chromium were up at once
        self.together_peak = 0
        self.over: dict[str, float] = defaultdict(float)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> FamilySampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._done.is_set():
            members = family(self.root)
            rss, pss = sum(m[1] for m in members), sum(m[2] for m in members)
            if rss > self.peak_rss:
                self.peak_rss, self.at_peak = rss, members
            self.peak_pss = max(self.peak_pss, pss)
            now: dict[str, int] = defaultdict(int)
            for m in members:
                now[m[3]] += m[1]
            self.samples += 1
            now_t = time.monotonic()
            if rss > BUDGET:  # which kinds were up while the family was over the bound, and how long
                self.over[" + ".join(sorted(k for k in now if now[k] >= OVER_MEMBER))] += now_t - last
            if "chromium" in now and "libreoffice" in now:  # the pair issue 9's bound cannot hold
                self.together += now_t - last
                self.together_peak = max(self.together_peak, rss)
            for name, value in now.items():
                if value > self.by_kind_max[name]:
                    self.by_kind_max[name] = value
                    self.kind_peak_members[name] = [(r, cmd) for _p, r, _s, k, cmd in members if k == name]
            last = now_t
            time.sleep(SAMPLE_SECONDS)

    def peak_by_kind(self) -> dict[str, int]:
        by_kind: dict[str, int] = defaultdict(int)
        for _pid, rss, _pss, name, _cmd in self.at_peak:
            by_kind[name] += rss
        return dict(by_kind)

    def figures(self) -> dict:
        return {"peak_rss": self.peak_rss, "peak_pss": self.peak_pss, "peak_by_kind": self.peak_by_kind(),
                "kind_peaks": dict(self.by_kind_max), "libreoffice_beside_chromium_s": self.together,
                "libreoffice_beside_chromium_peak_rss": self.together_peak, "samples": self.samples,
                "over_budget_s": sum(self.over.values()),
                "over_budget_by_kinds": dict(sorted(self.over.items(), key=lambda kv: -kv[1])),
                "processes_at_peak": len(self.at_peak),
                "members_at_peak": [{"pid": pid, "kind": name, "rss": rss, "pss": pss, "cmdline": cmd}
                                    for pid, rss, pss, name, cmd in self.at_peak],
                "kind_peak_members": self.kind_peak_members}


def by_kind_text(kinds: dict[str, int]) -> str:
    return " + ".join(f"{name} {rss / MB:.0f} MB" for name, rss in sorted(kinds.items(), key=lambda kv: -kv[1]))


def summary_lines(figures: dict) -> list[str]:
    """What the family did, as printed under a benchmark's table."""
    over = "; ".join(f"{kinds} {seconds:.1f} s" for kinds, seconds in list(figures["over_budget_by_kinds"].items())[:4])
    return [f"at the family's RSS peak ({figures['processes_at_peak']} processes): {by_kind_text(figures['peak_by_kind'])}",
            f"each kind's own peak: {by_kind_text(figures['kind_peaks'])}",
            f"LibreOffice beside chromium: {figures['libreoffice_beside_chromium_s']:.2f} s of samples, family "
            f"peak then {figures['libreoffice_beside_chromium_peak_rss'] / MB:.0f} MB ({figures['samples']} samples)",
            f"over {BUDGET / MB:.0f} MB: {figures['over_budget_s']:.1f} s{' (' + over + ')' if over else ''}"]
