#!/bin/sh
# Run an accuracy sweep as N shards with GNU parallel (one machine or many
# via --sshlogin), then merge: the result is byte for byte the unsharded run.
#   scripts/shards-parallel.sh N OUT.csv [smx accuracy options...]
# e.g. scripts/shards-parallel.sh 8 sweep.csv --n 1024,65536 --dist 'lm;wide'
# GNU parallel: scripts/install-deps.sh --shards. SMX (default build/smx)
# names the binary.
set -eu
if [ $# -lt 2 ]; then
	echo "smx: shards-parallel.sh: usage: N OUT.csv [smx accuracy options...]" >&2
	exit 2
fi
if ! command -v parallel >/dev/null 2>&1; then
	echo "smx: shards-parallel.sh: GNU parallel not found (scripts/install-deps.sh --shards)" >&2
	exit 2
fi
smx=${SMX:-build/smx}
n=$1 out=$2
shift 2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
# -q: every argument reaches smx as it is (a ';' or a space in --dist
# stays inside its argument), not through a shell.
seq 1 "$n" | parallel -q --halt now,fail=1 \
	"$smx" accuracy "$@" --format csv --shard {}/"$n" --output "$dir/shard-{}.csv"
"$smx" merge --output "$out" "$dir"/shard-*.csv
