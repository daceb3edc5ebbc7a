/**
 * Row 9: opening a call in the viewer, in Debian's Chromium (playwright-core), for the sizes that
 * froze the page before (issue 22.7): 10,000 messages, and one message of 1 MB of unbroken text.
 * Measured in the page, from the click on the call to the frame after it is drawn (the handler's
 * own work, its layout and the first paint), the median of a few opens, beside a 10-message call.
 * The page and its answers come from the bundled assets and a route: the browser is what is measured.
 */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { VIEWER_ASSETS } from '../../lib/viewer/assets.generated';
import { checkRow, infoRow, type Row } from '../lib/report';

const CHROMIUM = '/usr/bin/chromium';
const ORIGIN = 'http://viewer.bench';
const TARGET_MS = 1000;
const OPENS = 5;

function call(id: string, messages: unknown[]) {
  const start = Date.now() - 3_600_000;
  return { id, startedAt: new Date(start).toISOString(), endedAt: new Date(start + 3_000_000).toISOString(), customer: { number: '+16505551234' }, messages };
}

const turns = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ role: i % 2 ? 'bot' : 'user', content: `turn ${i} of the call`, start_time: i * 0.1, end_time: i * 0.1 + 0.05 }));

const CASES = [
  { name: 'a call of 10 messages (the floor)', call: () => call('small', turns(10)) },
  { name: 'a call of 10,000 messages', call: () => call('many', turns(10_000)) },
  { name: 'a call of 1 MB of unbroken text', call: () => call('long', [{ role: 'user', content: 'A'.repeat(1_000_000), start_time: 1, end_time: 2 }]) },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function viewerRows(): Promise<Row[]> {
  if (!existsSync(CHROMIUM)) {
    return [infoRow({ id: '9', measurement: 'viewer: opening a large call', result: `not measured: ${CHROMIUM} is not installed (apt-get install chromium)` })];
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const timings: number[] = [];
    for (const testCase of CASES) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const body = JSON.stringify([testCase.call()]);
      await page.route('**/*', async (route) => {
        const { pathname } = new URL(route.request().url());
        if (pathname === '/') return route.fulfill({ contentType: 'text/html', body: VIEWER_ASSETS.html });
        const asset = VIEWER_ASSETS.assets[pathname.replace('/assets/', '')];
        if (asset) return route.fulfill({ contentType: asset.contentType, body: asset.body });
        if (pathname === '/calls') return route.fulfill({ contentType: 'application/json', body, headers: { date: new Date().toUTCString() } });
        return route.fulfill({ status: 404 });
      });
      await page.goto(`${ORIGIN}/`);
      await page.fill('#key', 'bench');
      await page.click('button[type=submit]');
      await page.waitForSelector('#rows button');
      const opens: number[] = [];
      for (let i = 0; i < OPENS; i++) {
        opens.push(
          (await page.evaluate(`(async () => {
            const started = performance.now();
            document.querySelector('#rows button').click();
            await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
            const took = performance.now() - started;
            document.querySelector('#call button').click();
            return took;
          })()`)) as number,
        );
      }
      timings.push(median(opens));
      await page.close();
    }
    const [floor, ...large] = timings as [number, ...number[]];
    return [
      infoRow({ id: '9', measurement: `viewer: opening ${CASES[0]!.name}`, result: `${floor.toFixed(0)} ms` }),
      ...large.map((ms, index) =>
        checkRow(
          {
            id: '9',
            measurement: `viewer: opening ${CASES[index + 1]!.name}`,
            result: `${ms.toFixed(0)} ms`,
            floor: `${floor.toFixed(0)} ms`,
            ratio: ms / floor,
            target: `< ${TARGET_MS} ms`,
          },
          ms < TARGET_MS,
        ),
      ),
    ];
  } finally {
    await browser.close();
  }
}
