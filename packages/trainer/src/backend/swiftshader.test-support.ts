// Test support for the webgpu tests: they run on SwiftShader, the Vulkan driver on the CPU that
// Debian's chromium package ships (/usr/lib/chromium holds its ICD file and a Vulkan loader).
// The default export is a vitest globalSetup: it runs in vitest's main process before the test
// workers are forked, so the variables below are in each worker's environment from its start
// (the Vulkan loader is found through LD_LIBRARY_PATH, which a running process cannot change).
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/** Where Debian's chromium package puts SwiftShader's Vulkan ICD and a Vulkan loader. */
export const CHROMIUM_LIB = '/usr/lib/chromium';
/** SwiftShader's Vulkan ICD file. */
export const SWIFTSHADER_ICD = join(CHROMIUM_LIB, 'vk_swiftshader_icd.json');

/** Points Vulkan at SwiftShader unless a driver was chosen already (VK_ICD_FILENAMES / VK_DRIVER_FILES). */
export default function setup(): void {
  if (!existsSync(SWIFTSHADER_ICD)) return; // the webgpu tests fail with the install command
  const env = process.env;
  if (env.VK_ICD_FILENAMES === undefined && env.VK_DRIVER_FILES === undefined) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  if (existsSync(join(CHROMIUM_LIB, 'libvulkan.so.1'))) {
    const paths = (env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean);
    if (!paths.includes(CHROMIUM_LIB))
      env.LD_LIBRARY_PATH = [...paths, CHROMIUM_LIB].join(delimiter);
  }
  if (env.XDG_RUNTIME_DIR === undefined) {
    env.XDG_RUNTIME_DIR = join(tmpdir(), 'mlinfra-xdg-runtime');
    mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  }
}

/**
 * Throws, naming what to install, when the webgpu tests cannot run here. Call it in `beforeAll`
 * of every webgpu test file, so a machine without SwiftShader fails them instead of skipping.
 */
export function requireSwiftShader(icd = SWIFTSHADER_ICD): void {
  if (!existsSync(icd)) {
    throw new Error(
      `The webgpu tests run on SwiftShader (Vulkan on the CPU), which is missing: ${icd} not found. Install it with: apt-get install -y chromium`,
    );
  }
  if (process.env.VK_ICD_FILENAMES === undefined && process.env.VK_DRIVER_FILES === undefined) {
    throw new Error(
      'VK_ICD_FILENAMES is not set: run the webgpu tests through vitest with the trainer or serving project config (its globalSetup, packages/trainer/src/backend/swiftshader.test-support.ts, sets it), e.g. pnpm vitest run --project trainer',
    );
  }
}
