#!/usr/bin/env bash
# `make bench`: the interpreter on the reference workflows (bench/workflows), and in the same run
# the same workflows on aws-local-stepfunctions (npm) and moto (python), then one table.
#
# Environment:
#   BENCH_MIN_TIME     seconds of timed executions per workflow for the peers (default 1)
#   BENCH_REPETITIONS  asl_bench repetitions; the median is reported (default 3)
#   BENCH_WALL_RUNS    timed `tactus run` processes for the wall-time test (default 20)
#   BENCH_DOCDB_OPS    operations per docdb_bench figure (default 2000; quick: 500)
#   BENCH_DOCDB_IDLE   idle connections docdb_bench holds (default 10000; 0 skips that test)
#   BENCH_SERVE_SECONDS  seconds per serve_bench figure (default 3; quick: 1)
#   BENCH_SERVE_PARKED   executions serve_bench parks on a Wait for the RSS figure (default 100000;
#                        quick: 10000)
#   BENCH_ARCHIVE_DOCS    documents archive_bench seeds (default 1000000; quick: 100000)
#   BENCH_ARCHIVE_BATCHES batch sizes archive_bench measures, comma-separated (default 1000,5000;
#                         quick: 1000)
#   BENCH_ARCHIVE_SECONDS time limit per side and batch size; a side stopped by it reports the
#                         rate over what it moved, marked partial (default 120; quick: 60)
#   BENCH_TRIGGER_EVENTS  inserts trigger_bench times on each side (default 500; quick: 200)
#   BENCH_QUICK=1      shorter runs; skips moto's map1000 (over a minute per execution)
#   PYTHON, NODE, NPM  interpreters/clients (default python3, node, npm)
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$ROOT/bench"
BUILD="$ROOT/build/release"
WORKFLOWS="$BENCH/workflows"
PYTHON="${PYTHON:-python3}"
NODE="${NODE:-node}"
NPM="${NPM:-npm}"
MIN_TIME="${BENCH_MIN_TIME:-1}"
REPETITIONS="${BENCH_REPETITIONS:-3}"
WALL_RUNS="${BENCH_WALL_RUNS:-20}"
DOCDB_OPS="${BENCH_DOCDB_OPS:-2000}"
DOCDB_IDLE="${BENCH_DOCDB_IDLE:-10000}"
SERVE_SECONDS="${BENCH_SERVE_SECONDS:-3}"
SERVE_PARKED="${BENCH_SERVE_PARKED:-100000}"
ARCHIVE_DOCS="${BENCH_ARCHIVE_DOCS:-1000000}"
ARCHIVE_BATCHES="${BENCH_ARCHIVE_BATCHES:-1000,5000}"
ARCHIVE_SECONDS="${BENCH_ARCHIVE_SECONDS:-120}"
TRIGGER_EVENTS="${BENCH_TRIGGER_EVENTS:-500}"
MOTO_ONLY=""
GB_MIN_TIME=0.5
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  MIN_TIME="${BENCH_MIN_TIME:-0.3}"
  REPETITIONS="${BENCH_REPETITIONS:-1}"
  GB_MIN_TIME=0.2
  DOCDB_OPS="${BENCH_DOCDB_OPS:-500}"
  SERVE_SECONDS="${BENCH_SERVE_SECONDS:-1}"
  SERVE_PARKED="${BENCH_SERVE_PARKED:-10000}"
  ARCHIVE_DOCS="${BENCH_ARCHIVE_DOCS:-100000}"
  ARCHIVE_BATCHES="${BENCH_ARCHIVE_BATCHES:-1000}"
  ARCHIVE_SECONDS="${BENCH_ARCHIVE_SECONDS:-60}"
  TRIGGER_EVENTS="${BENCH_TRIGGER_EVENTS:-200}"
  MOTO_ONLY="$("$PYTHON" -c 'import json,sys; print(",".join(w["name"] for w in json.load(open(sys.argv[1]))["workflows"] if w["name"] != "map1000"))' "$WORKFLOWS/manifest.json")"
fi

OUT="$BUILD/bench/results"
log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null || die "$PYTHON is needed (report and timers)"

# ---- 1. build (release preset only: optimized, no sanitizers) ----
log "building tactus, asl_bench and docdb_bench in build/release"
cd "$ROOT" || exit 1
if [[ ! -f "$BUILD/build.ninja" ]]; then
  cmake --preset release >/dev/null || die "cmake --preset release failed"
fi
cmake --build "$BUILD" -j "$(nproc)" --target tactus asl_bench || die "build failed"
DOCDB_BENCH="$BUILD/bench/docdb_bench"
SERVE_BENCH="$BUILD/bench/serve_bench"
cmake --build "$BUILD" -j "$(nproc)" --target serve_bench || SERVE_BENCH=""
ARCHIVE_BENCH="$BUILD/bench/archive_bench"
TRIGGER_BENCH="$BUILD/bench/trigger_bench"
cmake --build "$BUILD" -j "$(nproc)" --target archive_bench || ARCHIVE_BENCH=""
cmake --build "$BUILD" -j "$(nproc)" --target trigger_bench || TRIGGER_BENCH=""
if ! cmake --build "$BUILD" -j "$(nproc)" --target docdb_bench; then
  echo "warning: docdb_bench did not build (TACTUS_DOCDB off?); its table is skipped" >&2
  DOCDB_BENCH=""
fi
TACTUS="$BUILD/src/cli/tactus"
ASL_BENCH="$BUILD/bench/asl_bench"
mkdir -p "$OUT/tactus-outputs"
rm -f "$OUT"/*.json "$OUT"/tactus-outputs/*.json

load="$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
printf 'machine: %s cores, %s; load average %s; %s\n' "$(nproc)" \
  "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//')" \
  "$load" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >&2
if "$PYTHON" -c "import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)" "$load" 2>/dev/null; then :; else
  echo "note: the machine is busy (load >= 1); figures will be noisy" >&2
fi

# ---- 2. tactus outputs, for the correctness check ----
log "tactus run: outputs of every workflow"
names="$("$PYTHON" -c 'import json,sys; print(" ".join(w["name"] for w in json.load(open(sys.argv[1]))["workflows"]))' "$WORKFLOWS/manifest.json")"
for name in $names; do
  "$TACTUS" run "$WORKFLOWS/$name.json" --input "@$WORKFLOWS/$name.input.json" --fast-timers \
    >"$OUT/tactus-outputs/$name.json" || echo "warning: tactus run $name.json failed" >&2
done

# ---- 3. tactus in-process (Google Benchmark) ----
log "tactus in-process: asl_bench (median of $REPETITIONS)"
"$ASL_BENCH" --workflows="$WORKFLOWS" --benchmark_filter='^BM_Run(NoHistory)?/' \
  --benchmark_min_time="$GB_MIN_TIME" --benchmark_repetitions="$REPETITIONS" \
  --benchmark_report_aggregates_only="$([[ $REPETITIONS -gt 1 ]] && echo true || echo false)" \
  --benchmark_out="$OUT/tactus-bench.json" --benchmark_out_format=json \
  || echo "warning: asl_bench failed" >&2

# ---- 4. aws-local-stepfunctions (npm) ----
log "aws-local-stepfunctions (node $("$NODE" --version 2>/dev/null || echo missing))"
peer_pkg="$BENCH/peers/node_modules/aws-local-stepfunctions/package.json"
want="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["dependencies"]["aws-local-stepfunctions"])' "$BENCH/peers/package.json")"
have="$("$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$peer_pkg" 2>/dev/null || true)"
if [[ "$have" != "$want" ]] && command -v "$NPM" >/dev/null; then
  (cd "$BENCH/peers" && "$NPM" install --no-audit --no-fund --loglevel=error) \
    || echo "warning: npm install failed; aws-local-stepfunctions figures will be n/a" >&2
fi
if command -v "$NODE" >/dev/null && [[ -f "$peer_pkg" ]]; then
  "$NODE" "$BENCH/peers/local_sfn_bench.mjs" --workflows "$WORKFLOWS" --min-time "$MIN_TIME" \
    >"$OUT/local-sfn.json" || echo "warning: local_sfn_bench.mjs failed" >&2
else
  echo "warning: node or aws-local-stepfunctions missing; figures will be n/a" >&2
fi

# ---- 5. moto (python) ----
log "moto ($("$PYTHON" -c 'import moto; print(moto.__version__)' 2>/dev/null || echo missing))${MOTO_ONLY:+ (quick: map1000 skipped)}"
"$PYTHON" "$BENCH/peers/moto_bench.py" --workflows "$WORKFLOWS" --min-time "$MIN_TIME" \
  ${MOTO_ONLY:+--only "$MOTO_ONLY"} >"$OUT/moto.json" || echo "warning: moto_bench.py failed" >&2

# ---- 6. whole-process wall time of `tactus run` on the 10-state workflow ----
log "tactus run ten_states.json: whole-process wall time ($WALL_RUNS runs)"
"$PYTHON" "$BENCH/proc_wall.py" --runs "$WALL_RUNS" --warmup 3 -- \
  "$TACTUS" run "$WORKFLOWS/ten_states.json" --input "@$WORKFLOWS/ten_states.input.json" \
  >"$OUT/wall.json" || echo "warning: wall-time measurement failed" >&2

# ---- 7. the table ----
log "results (also in ${OUT#$ROOT/}/summary.json)"
"$PYTHON" "$BENCH/report.py" --workflows "$WORKFLOWS" --tactus-bench "$OUT/tactus-bench.json" \
  --tactus-outputs "$OUT/tactus-outputs" --local-sfn "$OUT/local-sfn.json" --moto "$OUT/moto.json" \
  --wall "$OUT/wall.json" --json-out "$OUT/summary.json"

# ---- 8. the embedded store: libmongoc vs direct SQLite, and idle connections ----
if [[ -n "$DOCDB_BENCH" && -x "$DOCDB_BENCH" ]]; then
  log "docdb_bench: the embedded store (in-process and through libmongoc) vs the same work on SQLite directly"
  "$DOCDB_BENCH" --ops="$DOCDB_OPS" --idle="$DOCDB_IDLE" | tee "$OUT/docdb.txt" \
    || echo "warning: docdb_bench failed" >&2
fi

# ---- 9. `tactus serve`: STANDARD transitions/s, StartSyncExecution over HTTP, parked RSS ----
if [[ -n "$SERVE_BENCH" && -x "$SERVE_BENCH" ]]; then
  log "serve_bench: durable executions on the embedded store (AWS's quota as the reference)"
  "$SERVE_BENCH" --seconds "$SERVE_SECONDS" --parked "$SERVE_PARKED" 2>/dev/null \
    | tee "$OUT/serve.txt" || echo "warning: serve_bench failed" >&2
fi

# ---- 10. archiving old documents: a plain libmongoc loop vs a STANDARD mongodb:archive loop ----
if [[ -n "$ARCHIVE_BENCH" && -x "$ARCHIVE_BENCH" ]]; then
  log "archive_bench: $ARCHIVE_DOCS documents, batches $ARCHIVE_BATCHES (peer: a libmongoc script)"
  BENCH_ARCHIVE_DOCS="$ARCHIVE_DOCS" BENCH_ARCHIVE_BATCHES="$ARCHIVE_BATCHES" \
    BENCH_ARCHIVE_SECONDS="$ARCHIVE_SECONDS" "$ARCHIVE_BENCH" 2>/dev/null \
    | tee "$OUT/archive.txt" || echo "warning: archive_bench failed" >&2
fi

# ---- 11. trigger latency: insert -> execution started vs insert -> change event ----
if [[ -n "$TRIGGER_BENCH" && -x "$TRIGGER_BENCH" ]]; then
  log "trigger_bench: $TRIGGER_EVENTS inserts (peer: a plain libmongoc change stream)"
  BENCH_TRIGGER_EVENTS="$TRIGGER_EVENTS" "$TRIGGER_BENCH" 2>/dev/null \
    | tee "$OUT/trigger.txt" || echo "warning: trigger_bench failed" >&2
fi
