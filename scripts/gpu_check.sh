#!/usr/bin/env bash
# GPU check of the KCC training pipeline, self-contained: run from the repository root on a CUDA machine with a
# fresh environment (no network access to model hubs needed). It
#   1. creates a venv and installs the project with [train] (torch from the default index: CUDA there),
#   2. builds a larger random model offline (kcc-train make-tiny-model --hidden-size 1024 --layers 8),
#   3. builds a store from examples/sample_seeds.jsonl and judges it with the rules-only judge,
#   4. runs `kcc-train dpo` with bf16 on CUDA for ~100 steps, then a short re-evaluation,
#   5. prints tokens/s and peak GPU memory (torch.cuda.max_memory_allocated) as the final JSON line.
# Outputs go under $OUT when set (else ./gpu-check-out). Tunables: STEPS, HIDDEN, LAYERS, BATCH, MAXLEN, VENV, PYTHON.
# NPROC=N (N > 1, one GPU each) trains through `kcc-train dpo --launch accelerate --num-processes N` (DDP) with
# param_digest on, and the final JSON line reports world_size and whether every rank ended with the same weights.
# Torch: when $PYTHON already imports a CUDA build of torch (GPU images usually ship one), the venv is made with
# --system-site-packages and that torch is reused (no multi-GB download, and it matches the driver); SYSTEM_TORCH=0
# installs torch into the venv instead. Machines without an index: pip honours PIP_NO_INDEX=1 and
# PIP_FIND_LINKS=/path/to/wheels (the project's dependencies plus setuptools, for the editable build).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-$PWD/gpu-check-out}"
STEPS="${STEPS:-100}"; HIDDEN="${HIDDEN:-1024}"; LAYERS="${LAYERS:-8}"; BATCH="${BATCH:-8}"; MAXLEN="${MAXLEN:-1024}"
VENV="${VENV:-/tmp/kcc-gpu-venv}"; BF16="${BF16:-true}"; PYTHON="${PYTHON:-python3}"; SYSTEM_TORCH="${SYSTEM_TORCH:-auto}"
NPROC="${NPROC:-1}"
LOGSTEPS=$(( STEPS < 5 ? 1 : 5 ))  # log at least once, so first/last loss are reported on short runs
# ALLOW_CPU=1 lets a CPU machine run the same steps as a smoke test of this script (use small sizes, BF16=false).
ALLOW_CPU="${ALLOW_CPU:-0}"
mkdir -p "$OUT"
log() { echo "[gpu_check $(date +%H:%M:%S)] $*" >&2; }

if [ ! -x "$VENV/bin/kcc-train" ]; then
  if [ "$SYSTEM_TORCH" = "auto" ]; then
    if "$PYTHON" -c 'import torch, sys; sys.exit(0 if torch.version.cuda else 1)' 2>/dev/null; then
      SYSTEM_TORCH=1; else SYSTEM_TORCH=0; fi
  fi
  if [ "$SYSTEM_TORCH" = "1" ]; then
    log "creating $VENV on $PYTHON's CUDA torch (--system-site-packages) and installing .[train]"
    "$PYTHON" -m venv --system-site-packages "$VENV"
  else
    log "creating $VENV and installing torch + .[train]"
    "$PYTHON" -m venv "$VENV"
  fi
  "$VENV/bin/python" -m pip install -q --upgrade pip || log "pip upgrade skipped (no index reachable?)"
  if [ "$SYSTEM_TORCH" != "1" ]; then "$VENV/bin/python" -m pip install -q torch; fi
  "$VENV/bin/python" -m pip install -q -e ".[train]"
fi
PY="$VENV/bin/python"
ALLOW_CPU="$ALLOW_CPU" "$PY" - <<'PY' >&2
import os, torch
if not torch.cuda.is_available():
    assert os.environ.get("ALLOW_CPU") == "1", "no CUDA device visible"
    print("torch", torch.__version__, "CPU smoke run")
else:
    print("torch", torch.__version__, "device", torch.cuda.get_device_name(0), "bf16", torch.cuda.is_bf16_supported())
PY

export TOKENIZERS_PARALLELISM=false
DB="$OUT/kcc.db"; rm -f "$DB" "$DB-wal" "$DB-shm"
log "model: hidden $HIDDEN, $LAYERS layers"
"$VENV/bin/kcc-train" make-tiny-model "$OUT/model" --hidden-size "$HIDDEN" --layers "$LAYERS" --vocab-size 8000 \
  > "$OUT/model.json"

log "store from examples/sample_seeds.jsonl, rules-only judge"
"$PY" - "$DB" "$OUT/judge" <<'PY' >&2
import sys
from db.importer import import_file
from db.store import Store
from judge.cli import _known_categories
from judge.pipeline import JudgeConfig, JudgeRunner

db, out = sys.argv[1], sys.argv[2]
with Store(db) as store:
    rep = import_file(store, "examples/sample_seeds.jsonl", known_categories=_known_categories())
    print("imported", rep.seeds_added, "seeds,", rep.candidates_added, "candidates")
    summary = JudgeRunner(store, JudgeConfig(input="examples/sample_seeds.jsonl"), out).execute()
    print("judge run", summary.run_id if hasattr(summary, "run_id") else "", "pairs:", summary.pairs)
PY

cat > "$OUT/run.toml" <<TOML
[train]
model = "$OUT/model"
output_dir = "$OUT/dpo"
learning_rate = 1e-4
max_steps = $STEPS
per_device_train_batch_size = $BATCH
gradient_accumulation_steps = 1
max_length = $MAXLEN
save_steps = $STEPS
logging_steps = $LOGSTEPS
bf16 = $BF16
gradient_checkpointing = "auto"
param_digest = $([ "$NPROC" -gt 1 ] && echo true || echo false)
[train.data]
eval_fraction = 0.1
TOML

log "DPO: $STEPS steps, bf16 on CUDA, $NPROC process(es)"
if [ "$NPROC" -gt 1 ]; then
  "$VENV/bin/kcc-train" dpo --config "$OUT/run.toml" --db "$DB" --run-id train-gpu --launch accelerate \
    --num-processes "$NPROC" --strategy ddp > "$OUT/dpo.json"
else
  "$VENV/bin/kcc-train" dpo --config "$OUT/run.toml" --db "$DB" --run-id train-gpu > "$OUT/dpo.json"
fi

log "re-evaluation (held-out seeds + tiny benchmark samples)"
set +e
"$VENV/bin/kcc-train" eval --model "$OUT/dpo/final" --baseline "$OUT/model" --heldout train-gpu \
  --seeds examples/eval_seeds.jsonl --benchmarks tests/t_train/data/benchmarks --out "$OUT/eval" --db "$DB" \
  --max-new-tokens 64 --max-general-drop 1.0 > "$OUT/eval.json"
EVAL_RC=$?
set -e

"$PY" - "$OUT" "$EVAL_RC" <<'PY'
import json, sys, torch
out, eval_rc = sys.argv[1], int(sys.argv[2])
d = json.loads(open(f"{out}/dpo.json").read().strip().splitlines()[-1])
digests = d.get("param_digests")
m = json.load(open(f"{out}/model.json"))
print(json.dumps({
    "device": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu", "parameters": m["parameters"], "hidden_size": m["hidden_size"],
    "layers": m["layers"], "steps": d["global_step"], "train_runtime_s": round(d["train_runtime_s"] or 0, 2),
    "tokens_per_second": round(d["tokens_per_second"] or 0, 1),
    "peak_gpu_memory_gib": round((d["peak_gpu_memory_bytes"] or 0) / 2**30, 3),
    "peak_gpu_memory_bytes": d["peak_gpu_memory_bytes"], "first_loss": d["first_loss"], "last_loss": d["last_loss"],
    "eval_rc": eval_rc, "world_size": d.get("world_size"),
    "ranks_identical": (len(set(digests)) == 1 and None not in digests) if digests else None,
}))
PY
