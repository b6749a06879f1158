// Finds Chromium for the browser tests, or installs Debian's package when run as root on a machine
// with apt-get; otherwise exits 1 naming the command (the tests never skip).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPath } from './chromium.mjs';

const path = chromiumPath();
if (!existsSync(path)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && existsSync('/usr/bin/apt-get')) {
    console.error(
      `Chromium is missing at ${path}; installing Debian's chromium (apt-get install -y chromium)…`,
    );
    let result = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit' });
    if (result.status !== 0) {
      spawnSync('apt-get', ['update'], { stdio: 'inherit' });
      result = spawnSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit' });
    }
  }
  if (!existsSync(path)) {
    console.error(
      `Chromium is not installed at ${path}. Run "apt-get install -y chromium" (as root, Debian/Ubuntu) or set CHROMIUM_PATH; the browser tests need it.`,
    );
    process.exit(1);
  }
}
console.error(`Chromium: ${path}`);
