import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testDir } from './stack.ts';

/** Debian's chromium (scripts/install-tools.sh --test): Playwright's own browser download cannot work here. */
export const CHROMIUM = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Saves what the page shows under the test output directory, for a person to look at. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(testDir('screenshots'), `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
