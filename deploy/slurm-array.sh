#!/usr/bin/env bash
# A restock sweep as a Slurm job array: each task runs one shard, a final job merges them.
#
#   sbatch deploy/slurm-array.sh scenarios/tune-categories.yaml
#   # when the array is done (or chain it with --dependency=afterok:<array job id>):
#   restock merge runs/tune-categories/shard-* --out runs/tune-categories/merged
#
# `--shard auto` reads the task's index and the array's size from SLURM_ARRAY_TASK_ID,
# SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT, so the array range is the only place the
# shard count is written. Every task must see the same scenario file, overrides and seed.
#SBATCH --job-name=restock
#SBATCH --array=1-8
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=00:30:00
set -euo pipefail
scenario="${1:?usage: sbatch deploy/slurm-array.sh SCENARIO.yaml}"
name="$(basename "$scenario" .yaml)"
out="runs/$name/shard-${SLURM_ARRAY_TASK_ID}"
restock run "$scenario" --shard auto --threads "${SLURM_CPUS_PER_TASK:-2}" --quiet --out "$out"
