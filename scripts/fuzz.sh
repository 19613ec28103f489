#!/usr/bin/env bash
# Builds the libFuzzer targets under fuzz/ (cargo-fuzz, AddressSanitizer) and
# runs each for SECONDS (default 60), starting from the committed seeds
# (fuzz/seeds/TARGET) and growing a scratch corpus (fuzz/corpus/TARGET, not
# committed). Prints each target's executions; exits non-zero when any target
# crashed, timed out or ran out of memory, with the reproducer left under
# fuzz/artifacts/TARGET/ (replay it with
# `RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/FILE`).
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (all targets by default)
# Environment: FUZZ_JOBS (cargo build jobs), FUZZ_PARALLEL (targets run at once;
# default: the number of cores), FUZZ_ARGS (extra libFuzzer flags),
# FUZZ_BUILD_FLAGS (cargo fuzz build flags instead of `--codegen-units 16`;
# e.g. "" for cargo-fuzz's defaults, best for long campaigns, "-s none", or
# "--dev": unoptimized, which builds in about half the time and suits short
# runs such as CI's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seconds=${1:-60}
shift || true
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2
  exit 2
fi

# cargo-fuzz needs nightly-only flags (-Zsanitizer, sanitizer coverage); the
# stable toolchain accepts them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

all_targets=()
for f in fuzz/fuzz_targets/*.rs; do
  all_targets+=("$(basename "$f" .rs)")
done
if [ $# -gt 0 ]; then
  targets=("$@")
  for t in "${targets[@]}"; do
    if [ ! -f "fuzz/fuzz_targets/$t.rs" ]; then
      echo "unknown fuzz target \`$t\`; the targets are: ${all_targets[*]}" >&2
      exit 2
    fi
  done
else
  targets=("${all_targets[@]}")
fi

# Release code with debug assertions and overflow checks (cargo-fuzz's default)
# and AddressSanitizer. 16 codegen units instead of cargo-fuzz's release default
# of 1: the build (all of mlg and its dependencies, instrumented) is the larger
# part of a CI run on two cores; the price is some executions per second.
read -r -a build_flags <<<"${FUZZ_BUILD_FLAGS---codegen-units 16}"
if [ -n "${FUZZ_JOBS:-}" ]; then
  export CARGO_BUILD_JOBS=$FUZZ_JOBS
fi
start=$(date +%s)
echo "== building fuzz targets: ${targets[*]}"
if [ ${#targets[@]} -eq ${#all_targets[@]} ]; then
  cargo fuzz build ${build_flags[@]+"${build_flags[@]}"}
else
  for t in "${targets[@]}"; do
    cargo fuzz build ${build_flags[@]+"${build_flags[@]}"} "$t"
  done
fi
built=$(date +%s)
echo "== built in $((built - start)) s"

host=$(rustc -vV | sed -n 's/^host: //p')
profile=release
for flag in ${build_flags[@]+"${build_flags[@]}"}; do
  case $flag in --dev | -D) profile=debug ;; esac
done
bin_dir="$root/fuzz/target/$host/$profile"
logs="$root/fuzz/target/logs"
mkdir -p "$logs"

# One target: runs it, then writes its summary line to $logs/$t.line and
# its exit status to $logs/$t.rc.
fuzz_one() {
  local t=$1
  local corpus="$root/fuzz/corpus/$t"
  local artifacts="$root/fuzz/artifacts/$t"
  local log="$logs/$t.log"
  mkdir -p "$corpus" "$artifacts"
  local dict=()
  if [ -f "fuzz/dicts/$t.dict" ]; then
    dict=("-dict=$root/fuzz/dicts/$t.dict")
  fi
  local before
  before=$(ls "$artifacts")
  echo "== fuzzing $t for $seconds s"
  local rc=0
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  "$bin_dir/$t" "$corpus" "$root/fuzz/seeds/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" ${dict[@]+"${dict[@]}"} ${FUZZ_ARGS:-} \
    >"$log" 2>&1 || rc=$?
  local execs secs line new
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  line="$t: ${execs:-?} executions (${secs:-?}/s), corpus $(find "$corpus" -type f | wc -l) files"
  if [ "$rc" -ne 0 ]; then
    line="$line, FAILED (exit $rc)"
    {
      echo "-- $t failed; the end of its log ($log):"
      grep -v '^#[0-9]' "$log" | tail -n 60 || true
      new=$(comm -13 <(echo "$before") <(ls "$artifacts"))
      echo "-- reproducer(s): ${new:-none written}" | sed "2,\$s/^/   /"
    } >"$logs/$t.failure"
    line="$line, reproducer(s): $(echo $new | sed "s|\([^ ]*\)|fuzz/artifacts/$t/\1|g")"
  fi
  echo "$line" >"$logs/$t.line"
  echo "$rc" >"$logs/$t.rc"
}

# Targets run side by side, one per core (FUZZ_PARALLEL to change): each
# libFuzzer process is single-threaded.
parallel=${FUZZ_PARALLEL:-$(nproc)}
for t in "${targets[@]}"; do
  rm -f "$logs/$t.line" "$logs/$t.rc" "$logs/$t.failure"
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do
    wait -n || true
  done
  fuzz_one "$t" &
done
wait

failed=()
summary=()
for t in "${targets[@]}"; do
  [ -f "$logs/$t.failure" ] && cat "$logs/$t.failure"
  summary+=("$(cat "$logs/$t.line" 2>/dev/null || echo "$t: did not report")")
  if [ "$(cat "$logs/$t.rc" 2>/dev/null || echo 1)" -ne 0 ]; then
    failed+=("$t")
  fi
done

echo "== fuzz summary ($seconds s per target; total $(($(date +%s) - start)) s including the build)"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (reproducers under fuzz/artifacts/)"
fi
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
[ ${#failed[@]} -eq 0 ]
