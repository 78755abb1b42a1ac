#!/bin/sh
# Run an accuracy sweep as N shards with GNU parallel (one machine or many
# via --sshlogin), then merge: the result is byte for byte the unsharded run.
#   scripts/shards-parallel.sh N OUT.csv [smx accuracy options...]
# e.g. scripts/shards-parallel.sh 8 sweep.csv --n 1024,65536 --rows 256
set -eu
n=$1 out=$2
shift 2
dir=$(mktemp -d)
seq 1 "$n" | parallel --halt now,fail=1 \
	build/smx accuracy "$@" --format csv --shard {}/"$n" --output "$dir/shard-{}.csv"
build/smx merge --output "$out" "$dir"/shard-*.csv
rm -rf "$dir"
