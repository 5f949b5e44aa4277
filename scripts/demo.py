"""The README's first command: serve the bundled demo web and crawl it, as a new user would.

Starts the fixture web (tests/fixtureweb) on 127.0.0.1, points http_proxy at it, runs
`gongkai crawl` on its portals' home pages (on a terminal with its live progress line), and says
where the output is: DIR/report.html first, the page a person looks at.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.fixtureweb import FixtureWeb  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "demo")
    args = parser.parse_args()
    with FixtureWeb() as web:
        env = {**os.environ, "http_proxy": web.proxy_url, "HTTP_PROXY": web.proxy_url, "no_proxy": "", "NO_PROXY": ""}
        print(f"demo: fixture web at {web.proxy_url}; crawling {', '.join(web.start_urls)}", flush=True)
        gongkai = ROOT / ".venv" / "bin" / "gongkai"
        cmd = [str(gongkai) if gongkai.exists() else sys.executable, *([] if gongkai.exists() else ["-m", "crawler.cli"]),
               "crawl", *web.start_urls, "--out", str(args.out)]
        code = subprocess.call(cmd, env=env, cwd=ROOT)
    print(f"demo: open {args.out / 'report.html'} in a browser; reports in {args.out / 'reports.jsonl'}, "
          f"WARC files in {args.out / 'warc'}/; run `make demo` again for the next crawl of the same job")
    return code


if __name__ == "__main__":
    sys.exit(main())
