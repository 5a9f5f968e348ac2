#!/usr/bin/env bash
# Times qcow2-conformance against qemu-img on the same images in the same run,
# alternating the two, and prints medians and the ratio (ours / qemu-img) of the wall time
# and of the CPU time (user + system).
#
#   bench/compare-qemu.sh [--runs N] [--images a,b,c,d,e] [--workdir DIR] [--build-only]
#
# Images are built with qemu-img/qemu-io on first use and kept in the work folder
# (default: bench/work, ignored by git). Needs qemu-utils; /usr/bin/time (package
# 'time') adds the peak memory of each command.
#   a  512-byte clusters, 8 GiB virtual, 512 MiB written (about 1M L2 entries)
#   b  64 KiB clusters, 1 TiB virtual, 1 GiB written in scattered 1 MiB runs
#   c  compressed image of 1 GiB guest data (qemu-img convert -c)
#   d  1 PiB virtual, little data
#   e  8 TiB virtual, little data (sparse convert target)
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
runs=5
images="a,b,c,d,e"
build_only=""
work="$root/bench/work"
while (($#)); do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --images) images="$2"; shift 2 ;;
    --workdir) work="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "compare-qemu.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done
for t in qemu-img qemu-io; do
  command -v "$t" >/dev/null || { echo "compare-qemu.sh: $t is missing (apt-get install qemu-utils)" >&2; exit 1; }
done
mkdir -p "$work"
kit="$root/bin/qcow2-conformance"
heap="${BENCH_HEAP:--Xmx256m}"
export QCOW2_CONFORMANCE_JAVA_OPTS="${QCOW2_CONFORMANCE_JAVA_OPTS:--Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} $heap"
[[ -n $build_only ]] || "$kit" --version >/dev/null   # build the jar (and its CDS archive) outside the timed runs

build_image() {
  local name=$1 f="$work/$1.qcow2"
  [[ -f $f ]] && return
  echo "building image $name (once)..." >&2
  case $name in
    a) qemu-img create -q -f qcow2 -o cluster_size=512 "$f.tmp" 8G
       qemu-io -f qcow2 -c "write -P 0x61 0 512M" "$f.tmp" >/dev/null ;;
    b) qemu-img create -q -f qcow2 -o cluster_size=64k "$f.tmp" 1T
       local cmds=() i
       for ((i = 0; i < 1024; i++)); do cmds+=(-c "write -P $((i % 250 + 1)) $((i * 1021))M 1M"); done
       qemu-io -f qcow2 "${cmds[@]}" "$f.tmp" >/dev/null ;;
    c) qemu-img create -q -f qcow2 "$work/c-src.qcow2" 1G
       qemu-io -f qcow2 -c "write -P 0x63 0 256M" -c "write -P 0x64 512M 256M" "$work/c-src.qcow2" >/dev/null
       qemu-img convert -c -O qcow2 "$work/c-src.qcow2" "$f.tmp"
       rm -f "$work/c-src.qcow2" ;;
    d) qemu-img create -q -f qcow2 -o cluster_size=2M "$f.tmp" 1P
       qemu-io -f qcow2 -c "write -P 0x65 0 4M" -c "write -P 0x66 512T 4M" "$f.tmp" >/dev/null ;;
    e) qemu-img create -q -f qcow2 "$f.tmp" 8T
       qemu-io -f qcow2 -c "write -P 0x67 0 4M" -c "write -P 0x68 4T 4M" "$f.tmp" >/dev/null ;;
  esac
  mv "$f.tmp" "$f"
}

# time_once CMD... : prints "wall_seconds cpu_seconds maxrss_kib" (cpu = user + system, all
# threads; on a shared machine it is steadier than the wall time, which includes waiting
# for a core). Without /usr/bin/time only the wall time is measured.
time_once() {
  local s e u k rss
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f "%e %U %S %M" -o "$work/.time" "$@" >/dev/null 2>"$work/.stderr" || true
    read -r s u k rss <"$work/.time"
    echo "$s $(echo "$u + $k" | bc) $rss"
  else
    s=$(date +%s.%N); "$@" >/dev/null 2>"$work/.stderr" || true; e=$(date +%s.%N)
    echo "$(echo "$e - $s" | bc) 0 -"
  fi
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# compare LABEL -- OURS... -- QEMU...
compare() {
  local label=$1; shift; shift
  local ours=() qemu=()
  while [[ $1 != -- ]]; do ours+=("$1"); shift; done; shift
  qemu=("$@")
  local to=() tq=() co=() cq=() mo=() i r
  for ((i = 0; i < runs; i++)); do
    read -r w c m <<<"$(time_once "${ours[@]}")"; to+=("$w"); co+=("$c"); mo+=("$m")
    read -r w c m <<<"$(time_once "${qemu[@]}")"; tq+=("$w"); cq+=("$c")
    rm -f "$work"/out-*.raw
  done
  local a b ca cb m
  a=$(printf '%s\n' "${to[@]}" | median); b=$(printf '%s\n' "${tq[@]}" | median)
  ca=$(printf '%s\n' "${co[@]}" | median); cb=$(printf '%s\n' "${cq[@]}" | median)
  m=$(printf '%s\n' "${mo[@]}" | sort -n | tail -1)
  printf '%-30s wall: ours %6.2fs qemu-img %6.2fs ratio %5.2fx | cpu: ours %6.2fs qemu-img %6.2fs ratio %5.2fx | ours peak RSS %s KiB\n' \
    "$label" "$a" "$b" "$(ratio "$a" "$b")" "$ca" "$cb" "$(ratio "$ca" "$cb")" "$m"
}

ratio() { echo "if ($2 > 0) $1 / $2 else 0" | bc -l; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(qemu-img --version | head -1); java heap $heap; $runs runs each, alternating"
IFS=, read -ra want <<<"$images"
for n in "${want[@]}"; do
  build_image "$n"
  [[ -n $build_only ]] && continue
  f="$work/$n.qcow2"
  case $n in
    a) compare "(a) check, 512 B clusters"   -- "$kit" check "$f" -- qemu-img check -f qcow2 "$f" ;;
    b) compare "(b) convert, 1 TiB scattered" -- "$kit" convert "$f" "$work/out-ours.raw" -- qemu-img convert -f qcow2 -O raw "$f" "$work/out-qemu.raw"
       compare "(b) check (start-up cost)"    -- "$kit" check "$f" -- qemu-img check -f qcow2 "$f" ;;
    c) compare "(c) convert, compressed"      -- "$kit" convert "$f" "$work/out-ours.raw" -- qemu-img convert -f qcow2 -O raw "$f" "$work/out-qemu.raw" ;;
    d) compare "(d) check, 1 PiB virtual"     -- "$kit" check "$f" -- qemu-img check -f qcow2 "$f" ;;
    e) compare "(e) convert, 8 TiB sparse"    -- "$kit" convert "$f" "$work/out-ours.raw" -- qemu-img convert -f qcow2 -O raw "$f" "$work/out-qemu.raw" ;;
    *) echo "compare-qemu.sh: unknown image $n" >&2; exit 64 ;;
  esac
done
