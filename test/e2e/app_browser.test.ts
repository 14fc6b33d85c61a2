import * as fs from 'fs';
import * as path from 'path';
import { chromium, selectors, type Browser } from 'playwright-core';
import type { StandaloneHost } from '../../scripts/host/standalone_host';
import { API_PATHS } from '../../common/api';
import { ADMIN_TOKEN, bruteForceLines, startTestHost } from './host_helpers';

const OUTPUT = path.resolve(__dirname, '..', 'output');

/** Debian's Chromium (installed by .ci/run); Playwright's own browser download is not possible here. */
function chromiumPath(): string {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (p && fs.existsSync(p)) return p;
  }
  throw new Error('Chromium not found: apt-get install chromium (or set CHROMIUM_PATH)');
}

describe('the APT Detection app in headless Chromium', () => {
  let host: StandaloneHost;
  let browser: Browser;

  beforeAll(async () => {
    ({ host } = await startTestHost());
    // EUI and Kibana mark elements with data-test-subj, not Playwright's default data-testid.
    selectors.setTestIdAttribute('data-test-subj');
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
  });

  it('redirects an anonymous visitor to sign-in', async () => {
    const res = await fetch(`${host.url}/app/aptDetection`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/login/);
  });

  it('shows an alert detected from ingested events in the alerts table and on the attack timeline', async () => {
    const res = await fetch(`${host.url}${API_PATHS.ingestEvents}`, {
      method: 'POST',
      body: bruteForceLines('dc-browser.corp.example').join('\n'),
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(202);
    await host.taskManager.runSoon('aptDetection:detect-intake:1');
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${host.url}/login?token=${ADMIN_TOKEN}`);
    const deadline = Date.now() + 60_000;
    let shown = false;
    while (!shown && Date.now() < deadline) {
      await page.goto(`${host.url}/app/aptDetection/alerts`);
      await page.getByTestId('alertsTotal').waitFor();
      shown = (await page.getByTestId('alertsTable').getByText('dc-browser.corp.example').count()) > 0;
      if (!shown) await page.waitForTimeout(1000);
    }
    expect(shown).toBe(true);
    await expect(page.getByTestId('alertsTable').textContent()).resolves.toMatch(/T1110/);
    await page.getByTestId('tab-timeline').click();
    await page.getByTestId('attackTimeline').waitFor();
    await page.getByTestId('attackTimeline').locator('canvas').first().waitFor();
    fs.mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'app_timeline.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('signs in with the token, answers 200 and shows the plugin title and its tabs', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${host.url}/login?token=${ADMIN_TOKEN}`);
    const res = await page.goto(`${host.url}/app/aptDetection/alerts`);
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { name: 'APT Detection' }).waitFor({ timeout: 30000 });
    await page.getByTestId('alertsTotal').waitFor();
    await expect(page.getByTestId('alertsTotal').textContent()).resolves.toMatch(/\d+ alerts/);
    // each view is reachable by URL
    await page.getByTestId('tab-status').click();
    expect(page.url()).toMatch(/\/app\/aptDetection\/status$/);
    await page.getByText('Connections', { exact: true }).waitFor();
    await page.getByText('reachable').first().waitFor();
    fs.mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'app_status.png'), fullPage: true });
    await page.goto(`${host.url}/app/aptDetection/alerts`);
    await page.getByTestId('alertsTotal').waitFor();
    await page.screenshot({ path: path.join(OUTPUT, 'app_alerts.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
