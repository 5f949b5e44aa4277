#!/usr/bin/env bash
# One idempotent set-up for a fresh Debian machine: system packages, then .venv/ with the project.
# Called by `make demo` and `make test` (and so by .ci/run); a second run does nothing costly.
set -euo pipefail
cd "$(dirname "$0")/.."

# chromium: the browser scrapy-playwright drives (Debian's build: Playwright's own download fails offline);
# fonts-wqy-zenhei: CJK glyphs for screenshots; antiword/catdoc: text of .doc/.wps attachments;
# tesseract-ocr(-chi-sim): OCR of scanned reports; poppler-utils: pdftoppm/pdftotext; libreoffice-writer-nogui:
# .doc/.wps tables by layout (and DOCX->DOC for generated fixtures); wget: a foreign WARC writer the replay test reads.
apt_packages=(chromium chromium-headless-shell fonts-wqy-zenhei antiword catdoc redis-server tesseract-ocr tesseract-ocr-chi-sim poppler-utils libreoffice-writer-nogui wget)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing gongkai into .venv/"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e ".[test,bench,parquet]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
