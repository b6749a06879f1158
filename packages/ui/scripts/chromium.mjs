// Launches Debian's Chromium through playwright-core (never downloads a browser).
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Flags that keep Chromium from reaching the network or needing a sandbox/GPU in CI. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Path of the browser: $CHROMIUM_PATH, else /usr/bin/chromium. */
export function chromiumPath() {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** Starts Chromium. @throws Error naming the install command when it is missing. */
export async function launchChromium() {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium is not installed at ${executablePath}; run "apt-get install -y chromium" (Debian/Ubuntu) or set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  return chromium.launch({ executablePath, args: CHROMIUM_FLAGS, headless: true });
}
