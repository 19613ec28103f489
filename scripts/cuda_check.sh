#!/usr/bin/env bash
# The CUDA backend's device check: builds mlg-compiler with `--features cuda` and
# runs its `cuda` test binary on the GPU (random graphs, forests and table paths
# against the interpreter, batch sizes, a 1M-row batch timing, backend choice).
#
#   scripts/cuda_check.sh            build (when cargo is there) and run the device tests
#   scripts/cuda_check.sh build      only build, and copy the test binary to
#                                    target/cuda-check/cuda-tests (to carry to a GPU
#                                    machine that has no Rust toolchain)
#   scripts/cuda_check.sh run        only run the carried target/cuda-check/cuda-tests
#                                    (no build, even where cargo is there)
#
# On a machine without cargo the script runs target/cuda-check/cuda-tests, which
# must have been built and carried there. Exit status: the test binary's, or 3
# when it passed only because it found no device (every device test skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=target/cuda-check/cuda-tests

build() {
  cargo build -p mlg-compiler --features cuda
  local exe
  exe=$(cargo test -p mlg-compiler --features cuda --test cuda --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1)
  [ -n "$exe" ] || { echo "cuda_check: no test executable built" >&2; exit 1; }
  mkdir -p "$(dirname "$BIN")"
  cp "$exe" "$BIN"
  echo "cuda_check: test binary at $BIN ($(du -h "$BIN" | cut -f1))"
}

if [ "${1:-}" = "build" ]; then
  build
  exit 0
fi

# Where the driver and NVRTC libraries may live (cudarc loads them at run time).
extra=""
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 \
  /usr/local/cuda/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
  [ -d "$d" ] && extra="$extra:$d"
done
for py in python3 /opt/torch/.venv/bin/python3; do
  if command -v "$py" >/dev/null 2>&1; then
    d=$("$py" - 2>/dev/null <<'PY' || true
import glob, os, site
paths = site.getsitepackages() + [site.getusersitepackages()]
for p in paths:
    for lib in glob.glob(os.path.join(p, "nvidia", "*", "lib")) + glob.glob(os.path.join(p, "nvidia", "*", "*", "lib")):
        if glob.glob(os.path.join(lib, "libnvrtc.so*")):
            print(lib)
PY
)
    for l in $d; do extra="$extra:$l"; done
  fi
done
export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}$extra"

echo "== device"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
else
  echo "nvidia-smi not found"
fi
echo "== libraries"
for lib in libcuda.so libnvrtc.so; do
  found=""
  for d in ${LD_LIBRARY_PATH//:/ }; do
    for f in "$d/$lib"*; do
      if [ -z "$found" ] && [ -e "$f" ]; then found="$f"; fi
    done
  done
  if [ -z "$found" ]; then found=$(ldconfig -p 2>/dev/null | grep -m1 "$lib" || true); fi
  echo "$lib: ${found:-NOT FOUND}"
done

if [ "${1:-}" != "run" ] && command -v cargo >/dev/null 2>&1; then
  echo "== build"
  build
elif [ ! -x "$BIN" ]; then
  echo "cuda_check: no cargo here and no $BIN: run 'scripts/cuda_check.sh build' on a dev machine and carry target/cuda-check" >&2
  exit 1
fi

echo "== cargo test -p mlg-compiler --features cuda --test cuda -- --nocapture"
set +e
"$BIN" --nocapture --test-threads=1 2>&1 | tee target/cuda-check/cuda-tests.log
status=${PIPESTATUS[0]}
set -e
if grep -q "no CUDA device: skipped" target/cuda-check/cuda-tests.log; then
  echo "cuda_check: WARNING: the tests skipped (no usable CUDA device, driver or NVRTC; see above)"
  if [ "$status" -eq 0 ]; then status=3; fi
fi
echo "cuda_check: exit $status"
exit "$status"
