/**
 * A fresh page's cost (base/pageFaults.ts) is the median of its groups of pages, so one slow group — a
 * hiccup of the machine or another thread faulting at the same moment — does not decide it; it is
 * measured once per thread.
 */
import { afterEach, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.restoreAllMocks();
});

it('takes the median group, so one slow group of the eight does not move it', async () => {
  vi.resetModules();
  const { freshPageMs } = await import('../../../src/base/pageFaults.js');
  // Clock readings around the eight groups of eight pages: 8 µs a group (1 µs a page), but the fourth
  // takes 110 µs (14 µs a page), as a VM's hiccup did.
  const groupMs = [0.008, 0.008, 0.008, 0.11, 0.008, 0.009, 0.008, 0.008];
  const readings = [0];
  for (const ms of groupMs) readings.push(readings[readings.length - 1]! + ms);
  let call = 0;
  const now = vi.spyOn(performance, 'now').mockImplementation(() => readings[Math.min(call++, readings.length - 1)]!);
  expect(freshPageMs()).toBeCloseTo(0.001, 6);
  expect(now).toHaveBeenCalledTimes(readings.length);
  // Measured once: later calls read no clock.
  expect(freshPageMs()).toBeCloseTo(0.001, 6);
  expect(now).toHaveBeenCalledTimes(readings.length);
});
