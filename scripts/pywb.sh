#!/usr/bin/env bash
# Replay a crawl directory in pywb on 127.0.0.1.
#
#   scripts/pywb.sh install                 create .venv-pywb/ with pywb (idempotent; instant 2nd time)
#   scripts/pywb.sh build DIR [COLL]        collection COLL (default gongkai) in DIR/pywb/ from DIR/warc/
#   scripts/pywb.sh serve DIR [PORT] [COLL] build, then run `wayback` on 127.0.0.1:PORT (default 8080)
#   scripts/pywb.sh serve-wacz WACZ [PORT] [COLL]  a collection from a WACZ (`gongkai export-wacz`)
#                                           with the WACZ's own index, then `wayback` as above
#
# pywb pins redis==2.10.6 and an old gevent stack, so it lives in its own virtual environment,
# never in the project's .venv/. The collection is symlinks to DIR's finished WARCs and OUR index:
# `gongkai index` (cdxj-indexer's lines), not one pywb rebuilt, so a capture pywb cannot find in it
# is a bug of ours that shows. serve-wacz unpacks the WACZ with `wb-manager add --unpack-wacz`,
# which takes the WACZ's index (indexes/index.cdx.gz) as it is.
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
  # Our index, as `gongkai index` writes it (exit 1 = damage reported, the readable records indexed).
  local rc=0
  "$root/.venv/bin/gongkai" index "$dir" --out "$home/collections/$coll/indexes/index.cdxj" >&2 || rc=$?
  [ "$rc" -le 1 ] || { echo "pywb.sh: gongkai index failed ($rc)" >&2; exit "$rc"; }
  echo "pywb.sh: collection '$coll' with $n WARC file(s) in $home, gongkai's index" >&2
}

build_wacz() {
  local wacz coll home
  wacz="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; coll="${2:-gongkai}"
  home="$(dirname "$wacz")/pywb-wacz"
  rm -rf "$home/collections/$coll"
  mkdir -p "$home"
  [ -f "$home/config.yaml" ] || printf 'collections_root: collections\nenable_memento: true\n' > "$home/config.yaml"
  (cd "$home" && "$venv/bin/wb-manager" init "$coll" >/dev/null 2>&1 \
     && "$venv/bin/wb-manager" add --unpack-wacz "$coll" "$wacz" >&2)
  echo "pywb.sh: collection '$coll' from $(basename "$wacz") in $home, the WACZ's index" >&2
}

serve() {
  local dir="$1" port="${2:-8080}" coll="${3:-gongkai}"
  build "$dir" "$coll"
  cd "$dir/pywb"
  exec "$venv/bin/wayback" --bind 127.0.0.1 --port "$port"
}

serve_wacz() {
  local wacz="$1" port="${2:-8080}" coll="${3:-gongkai}"
  build_wacz "$wacz" "$coll"
  cd "$(cd "$(dirname "$wacz")" && pwd)/pywb-wacz"
  exec "$venv/bin/wayback" --bind 127.0.0.1 --port "$port"
}

cmd="${1:-install}"; shift || true
case "$cmd" in
  install) install ;;
  build) install; build "$@" ;;
  serve) install; serve "$@" ;;
  serve-wacz) install; serve_wacz "$@" ;;
  *) echo "usage: $0 install | build DIR [COLL] | serve DIR [PORT] [COLL] | serve-wacz WACZ [PORT] [COLL]" >&2; exit 2 ;;
esac
