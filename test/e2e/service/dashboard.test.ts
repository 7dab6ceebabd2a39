/**
 * The dashboard in headless Chromium (issue 10 §6): the user opens the page, enters the token, a
 * session is created and runs a DAG; the page shows the session live, its DAG with every chunk done,
 * store usage and the session's log, then a run that fails at one chunk; a screenshot is saved. A
 * headless session's runs, made in its own child process, are drawn the same way.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensor as tt } from '../../../src/index.js';
import { type DashboardServer, startDashboardServer } from '../../support/dashboardServer.js';

const TOKEN = 'dashboard-test-token';
const OTHER = 'another-token';
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

let server: DashboardServer;
let browser: Browser;
let shots: string;

beforeAll(async () => {
  server = await startDashboardServer([TOKEN, OTHER]);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  shots = mkdtempSync(join(tmpdir(), 'tessera-dashboard-'));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function createSession(name: string, token = TOKEN): Promise<string> {
  const res = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, kind: 'interactive' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as string[])[0]!;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(server.url);
  await page.locator('#token').fill(token);
  await page.locator('#token-submit').click();
  await expect.poll(() => page.locator('#connection').getAttribute('data-state')).toBe('live');
}

/** Chunk nodes of the drawn DAG by state. */
async function nodeStates(page: Page): Promise<Record<string, number>> {
  return page.$$eval('#dag-view g.chunk', (gs) => {
    const out: Record<string, number> = {};
    for (const g of gs) out[g.getAttribute('data-state')!] = (out[g.getAttribute('data-state')!] ?? 0) + 1;
    return out;
  });
}

describe('dashboard', () => {
  it('shows a session live, its DAG completing chunk by chunk, its store and its log; then a failed run', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(server.url);
      await expect.poll(() => page.locator('#login').isVisible()).toBe(true);
      await signIn(page, TOKEN);
      expect(await page.evaluate(() => sessionStorage.getItem('tessera.token'))).toBe(TOKEN);

      const id = await createSession('dash-demo');
      await createSession('someone-else', OTHER);
      const row = page.locator(`tr[data-session-id="${id}"]`);
      await row.waitFor();
      expect(await page.locator('#sessions tbody tr').count()).toBe(1);
      await row.click();
      await expect.poll(() => page.locator('#dag-status').textContent()).toContain('No run yet');

      // The DAG: 40 fused map-and-reduce chunks, each with its arange chunk chained in, and their combine tree.
      const engine = server.engine(id);
      const x = tt.arange(40_000, undefined, undefined, { chunkSize: 1000 });
      const total = (await engine.run(x.mul(2).add(1).sum())) as { item(): number };
      expect(total.item()).toBe(40_000 * 40_000);

      const status = page.locator('#dag-status');
      await expect.poll(() => status.getAttribute('data-status')).toBe('done');
      expect(await status.getAttribute('data-run')).toBe('1');
      const states = await nodeStates(page);
      expect(Object.keys(states)).toEqual(['done']);
      expect(states.done).toBeGreaterThanOrEqual(40);
      expect(await status.textContent()).toContain(`${states.done} chunks (0 pending, 0 running, ${states.done} done, 0 failed)`);
      expect(await page.locator('#dag-view path').count()).toBeGreaterThan(0);

      // Registry patches reached the list and the facts: the run, store usage, object count.
      await expect.poll(() => row.locator('td.dag').textContent()).toContain('1 run');
      await expect.poll(() => page.locator('#fact-objects').textContent()).not.toBe('0');
      expect(await page.locator('#fact-memory').textContent()).toMatch(/^\d+(\.\d)? (B|KiB|MiB)/);
      expect(await page.locator('#dag-store').textContent()).toMatch(/^Store: .* in use of .*, \d+ objects\.$/);
      await expect.poll(() => page.locator('#logs').textContent()).toContain('run 1:');
      const done = join(shots, 'dashboard-done.png');
      await page.screenshot({ path: done, fullPage: true });

      // A run that fails at one chunk: that chunk is drawn failed, the rest of its run is not all done.
      const bad = x.reduce((a, v) => {
        if (v === 12_345) throw new Error('no such value');
        return a + v;
      });
      await expect(engine.run(bad)).rejects.toThrow('no such value');
      await expect.poll(() => status.getAttribute('data-status')).toBe('failed');
      expect(await status.getAttribute('data-run')).toBe('2');
      const failed = await nodeStates(page);
      expect(failed.failed).toBe(1);
      expect(await page.locator('#dag-view g.chunk[data-state="failed"] title').textContent()).toContain('tensor.fold_map');

      const shot = join(shots, 'dashboard.png');
      await page.screenshot({ path: shot, fullPage: true });
      for (const file of [done, shot]) {
        const bytes = readFileSync(file);
        expect(bytes.length).toBeGreaterThan(10_000);
        expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      }
      console.log(`dashboard screenshots: ${done} ${shot}`);
      expect(pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("draws a headless session's DAG from its child process: a run completing, then one failing at one chunk", async () => {
    copyFileSync(fileURLToPath(new URL('../../fixtures/headless/dagRuns.mjs', import.meta.url)), join(server.dataDir, 'dagRuns.mjs'));
    const gate = join(server.dataDir, 'gate');
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await signIn(page, TOKEN);
      const res = await fetch(`${server.url}/v1/sessions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'dash-batch', kind: 'headless', module: 'dagRuns.mjs', args: [gate] }),
      });
      expect(res.status).toBe(201);
      const [id] = (await res.json()) as string[];
      const row = page.locator(`tr[data-session-id="${id}"]`);
      await row.waitFor();
      await row.click();

      // The module's first run, drawn while the module waits at its gate: every chunk done.
      const status = page.locator('#dag-status');
      await expect.poll(() => status.getAttribute('data-run'), { timeout: 90_000 }).toBe('1');
      await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('done');
      const states = await nodeStates(page);
      expect(Object.keys(states)).toEqual(['done']);
      expect(states.done).toBeGreaterThanOrEqual(80);
      expect(await status.textContent()).toContain(`${states.done} chunks (0 pending, 0 running, ${states.done} done, 0 failed)`);
      expect(await page.locator('#dag-store').textContent()).toMatch(/^Store: .* in use of .*, \d+ objects\.$/);
      await expect.poll(() => row.locator('td.dag').textContent()).toContain('1 run');
      await expect.poll(() => page.locator('#logs').textContent(), { timeout: 10_000 }).toContain('first run: 1600000000');

      // The next run fails at one chunk; the session then completes and keeps its last run on the page.
      writeFileSync(gate, '');
      await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toBe('failed');
      expect(Number(await status.getAttribute('data-run'))).toBeGreaterThan(1);
      expect((await nodeStates(page)).failed).toBe(1);
      expect(await page.locator('#dag-view g.chunk[data-state="failed"] title').textContent()).toContain('tensor.fold_map');
      await expect.poll(() => row.locator('td.status').textContent(), { timeout: 30_000 }).toBe('Completed');
      expect(await row.locator('td.dag').textContent()).toContain('2 runs, 1 failed');
      const shot = join(shots, 'dashboard-headless.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect([...readFileSync(shot).subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      expect(pageErrors).toEqual([]);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('a refused token sends the user back to the token form, and nothing is kept', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(server.url);
      await page.locator('#token').fill('not-a-token');
      await page.locator('#token-submit').click();
      await expect.poll(() => page.locator('#login-error').textContent()).toContain('did not accept');
      expect(await page.evaluate(() => sessionStorage.getItem('tessera.token'))).toBeNull();
      expect(await page.locator('#main').isHidden()).toBe(true);
    } finally {
      await page.close();
    }
  });
});

afterAll(() => {
  // Screenshots stay for a person to look at only when asked to; by default the test leaves nothing.
  if (!process.env.TESSERA_KEEP_SCREENSHOTS) rmSync(shots, { recursive: true, force: true });
});
