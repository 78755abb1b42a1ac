#!/bin/sh
# A Slurm job array: one task per shard of an accuracy sweep. Submit with
#   sbatch --array=1-16 scripts/shards-slurm.sh
# then, when every task is done,
#   build/smx merge --output sweep.csv shards/shard-*.csv
#SBATCH --job-name=smx-sweep
#SBATCH --cpus-per-task=2
#SBATCH --output=shards/slurm-%A_%a.log
set -eu
mkdir -p shards
build/smx --threads "${SLURM_CPUS_PER_TASK:-1}" accuracy --op all --n 1024,65536 --rows 256 \
	--format csv --shard "${SLURM_ARRAY_TASK_ID}/${SLURM_ARRAY_TASK_COUNT}" \
	--output "shards/shard-${SLURM_ARRAY_TASK_ID}.csv"
