#!/usr/bin/env bash
# The GPU check (issue 16, part 2), run from the repository root on the device machine, which has a
# GPU but no Node and no registry: unpacks what pack.mjs packed (carry benchmarks/trainer/gpu/.payload),
# uses Debian's Vulkan loader with the NVIDIA Vulkan driver, records nvidia-smi and the WebGPU
# adapter, then runs benchmarks/trainer/webgpu.bench.ts (webgpu vs wasm vs cpu, MLP and small CNN,
# batch 256 and 4096, and the loss curve against cpu). Everything lands in $OUT.
#   bash benchmarks/trainer/gpu/run.sh
# A dry run on a machine without a GPU (SwiftShader from Debian's chromium) when the NVIDIA driver
# file is absent: DRY_RUN=1 bash benchmarks/trainer/gpu/run.sh  (BENCH_QUICK/BENCH_ROWS pass through)
set -uo pipefail
root=$(pwd)
payload="$root/benchmarks/trainer/gpu/.payload"
OUT=${OUT:-$root/benchmarks/trainer/gpu/out}
mkdir -p "$OUT"
log="$OUT/run.log"
exec > >(tee -a "$log") 2>&1
say() { echo "[gpu-check $(date -u +%H:%M:%S)] $*"; }
[ -f "$payload/node.xz" ] || { say "no payload at $payload: run node benchmarks/trainer/gpu/pack.mjs first and carry that folder"; exit 2; }

work=$(mktemp -d /tmp/mlinfra-gpu.XXXXXX)
trap 'rm -rf "$work" "$root/benchmarks/trainer/webgpu.bench.gpu.mjs"' EXIT
unxz_to() { # file.xz -> stdout, with xz or Python's lzma
  if command -v xz >/dev/null; then xz -dc "$1"; else python3 -c 'import lzma,sys,shutil; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}
say "unpacking node and node_modules into $work"
unxz_to "$payload/node.xz" > "$work/node" && chmod +x "$work/node"
# The packed files keep their repository paths (pnpm's relative links included): unpack over the checkout.
if command -v xz >/dev/null; then tar -xJf "$payload/modules.tar.xz" -C "$root"; else
  python3 -c 'import tarfile,sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$payload/modules.tar.xz" "$root"; fi
cp "$payload/webgpu.bench.mjs" "$root/benchmarks/trainer/webgpu.bench.gpu.mjs"
"$work/node" --version

say "unpacking Debian's Vulkan loader (libvulkan1)"
deb=$(ls "$payload"/libvulkan1_*.deb | head -1)
mkdir -p "$work/vulkan"
if command -v dpkg-deb >/dev/null; then dpkg-deb -x "$deb" "$work/vulkan"; else
  (cd "$work/vulkan" && ar x "$deb" && tar -xf data.tar.* ); fi
export LD_LIBRARY_PATH="$work/vulkan/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work}
nvidia_icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -f "$nvidia_icd" ]; then
  export VK_DRIVER_FILES=$nvidia_icd
elif [ "${DRY_RUN:-0}" = 1 ] && [ -f /usr/lib/chromium/vk_swiftshader_icd.json ]; then
  say "DRY RUN: no NVIDIA Vulkan driver here, using SwiftShader (software)"
  export VK_DRIVER_FILES=/usr/lib/chromium/vk_swiftshader_icd.json
else
  say "no NVIDIA Vulkan driver file at $nvidia_icd; set VK_DRIVER_FILES to the driver's ICD json"
fi
export VK_ICD_FILENAMES=${VK_DRIVER_FILES:-}
say "VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}"

(nvidia-smi; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv) > "$OUT/nvidia-smi.txt" 2>&1 || say "nvidia-smi not available"
head -20 "$OUT/nvidia-smi.txt" 2>/dev/null
nproc > "$OUT/cpu.txt"; grep -m1 'model name' /proc/cpuinfo >> "$OUT/cpu.txt" 2>/dev/null

say "WebGPU adapters"
cat > "$work/adapter.mjs" <<'JS'
const { create, globals } = await import(process.argv[2]);
Object.assign(globalThis, globals);
const gpu = create([]);
const result = {};
for (const powerPreference of ['high-performance', 'low-power']) {
  const adapter = await gpu.requestAdapter({ powerPreference });
  result[powerPreference] = adapter === null ? null : { ...Object.fromEntries(Object.entries(Object.getOwnPropertyDescriptors(Object.getPrototypeOf(adapter.info))).map(([k]) => [k, adapter.info[k]])), features: [...adapter.features], limits: Object.fromEntries(Object.keys(Object.getPrototypeOf(adapter.limits)).map((k) => [k, adapter.limits[k]])) };
}
console.log(JSON.stringify(result, null, 2));
JS
webgpu_pkg=$(cd "$root/packages/trainer/node_modules/webgpu" && pwd -P)/index.js
timeout 120 "$work/node" "$work/adapter.mjs" "$webgpu_pkg" > "$OUT/adapter.json" 2> "$OUT/adapter.stderr"
cat "$OUT/adapter.json" | head -30; cat "$OUT/adapter.stderr"

say "benchmark: webgpu vs wasm vs cpu, MLP and CNN, batch 256 and 4096, loss curves"
cd "$root/benchmarks"
# CNN rows 4096: the cpu backend trains the CNN slowly and the device time is short.
BENCH_CNN_ROWS=${BENCH_CNN_ROWS:-4096} BENCH_JSON="$OUT/bench.json" timeout "${BENCH_TIMEOUT:-360}" \
  "$work/node" trainer/webgpu.bench.gpu.mjs > "$OUT/bench.txt" 2>&1
status=$?
cat "$OUT/bench.txt"
say "benchmark exit status $status"
exit $status
