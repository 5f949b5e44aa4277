#!/usr/bin/env bash
# Replay a crawl directory in pywb on 127.0.0.1.
#
#   scripts/pywb.sh install                 create .venv-pywb/ with pywb (idempotent; instant 2nd time)
#   scripts/pywb.sh build DIR [COLL]        collection COLL (default gongkai) in DIR/pywb/ from DIR/warc/
#   scripts/pywb.sh serve DIR [PORT] [COLL] build, then run `wayback` on 127.0.0.1:PORT (default 8080)
#
# pywb pins redis==2.10.6 and an old gevent stack, so it lives in its own virtual environment,
# never in the project's .venv/. The collection is rebuilt from symlinks to DIR's finished WARCs and
# an index made by pywb itself (wb-manager reindex), so what pywb serves is exactly what is archived.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-pywb"
PYWB_VERSION="${PYWB_VERSION:-2.9.1}"

install() {
  local stamp="$venv/.installed-pywb-$PYWB_VERSION"
  [ -f "$stamp" ] && return 0
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  echo "pywb.sh: installing pywb $PYWB_VERSION into .venv-pywb/" >&2
  "$venv/bin/pip" install -q --upgrade pip >&2
  # setuptools < 81 still ships pkg_resources, which pywb imports.
  "$venv/bin/pip" install -q "pywb==$PYWB_VERSION" "setuptools<81" >&2
  rm -f "$venv"/.installed-pywb-*
  touch "$stamp"
}

build() {
  local dir coll
  dir="$(cd "$1" && pwd)"; coll="${2:-gongkai}"
  local home="$dir/pywb"
  rm -rf "$home/collections/$coll"
  mkdir -p "$home/collections/$coll/archive" "$home/collections/$coll/indexes"
  # Finished files only: a `.open` file belongs to a running (or killed, not yet resumed) crawl.
  local n=0
  while IFS= read -r -d '' f; do
    ln -sf "$f" "$home/collections/$coll/archive/$(basename "$f")"; n=$((n + 1))
  done < <(find "$dir/warc" -maxdepth 1 -name '*.warc.gz' -print0 | sort -z)
  [ -f "$home/config.yaml" ] || printf 'collections_root: collections\nenable_memento: true\n' > "$home/config.yaml"
  (cd "$home" && "$venv/bin/wb-manager" reindex "$coll" >/dev/null)
  echo "pywb.sh: collection '$coll' with $n WARC file(s) in $home" >&2
}

serve() {
  local dir="$1" port="${2:-8080}" coll="${3:-gongkai}"
  build "$dir" "$coll"
  cd "$dir/pywb"
  exec "$venv/bin/wayback" --bind 127.0.0.1 --port "$port"
}

cmd="${1:-install}"; shift || true
case "$cmd" in
  install) install ;;
  build) install; build "$@" ;;
  serve) install; serve "$@" ;;
  *) echo "usage: $0 install | build DIR [COLL] | serve DIR [PORT] [COLL]" >&2; exit 2 ;;
esac
