/**
 * ready.ts's `warm` and `e2e` figures against scipy on a loaded machine: scipy and one or more builds of
 * the engine run as long-lived servers, and every repetition asks each of them for one run in turn, so
 * the sides of a repetition share the machine's load of that moment. It prints, per side, the median
 * time and the median of the per-repetition ratios to scipy. Public API only:
 * - `warm`: the graph loaded and the app's layouts built; a run is the app built, run through
 *   `toArray('r')`, released; scipy's is the app alone;
 * - `e2e`: a run is a fresh session (not timed), loading the columns and the first app through
 *   `toArray('r')`; scipy's is its load (read + COO -> CSR) plus the app.
 *
 *   npx tsc -p tsconfig.bench.json && node dist-bench/bench/graph/paired.js [--graph g1-rmat-s20]
 *     [--ids int32] [--app sssp] [--mode warm|e2e] [--reps 9] [--sides new=.,base=/path/to/other/checkout]
 *
 * A side is a checkout whose dist-bench/ holds this file compiled (`--serve` mode).
 */
import { createInterface } from 'node:readline';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PeerServer as Server } from '../peerServer.js';
import { loadOrGenerate } from './generate.js';
import { type App, appOf, columnsOf, freshSession, type IdType, loadColumns } from './readyCommon.js';

function option(name: string, fallback: string): string {
  const args = process.argv.slice(2);
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1]! : fallback;
}

/** Server mode, e2e: one fresh session per input line, timed from the load to the first app's array. */
async function serveFirstApps(name: string, ids: IdType, app: App): Promise<void> {
  const { graph: peer } = loadOrGenerate(name);
  const c = columnsOf(peer, ids);
  console.log('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'quit') break;
    const sess = await freshSession();
    const t0 = performance.now();
    const g = loadColumns(sess, c);
    const ctx = sess.scope(() => appOf(g, app, c.source));
    if ((await sess.run(ctx.toArray('r'))) === undefined) throw new Error('no result');
    console.log((performance.now() - t0) / 1000);
    await sess.close();
  }
}

/** Server mode, warm: load the graph, run the app twice (layouts, then the hub order), then one run per input line. */
async function serve(name: string, ids: IdType, app: App): Promise<void> {
  const { graph: peer } = loadOrGenerate(name);
  const c = columnsOf(peer, ids);
  const sess = await freshSession();
  const g = loadColumns(sess, c);
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const ctx = sess.scope(() => appOf(g, app, c.source));
    const array = ctx.toArray('r');
    if ((await sess.run(array)) === undefined) throw new Error('no result');
    const s = (performance.now() - t0) / 1000;
    array.release({ session: sess });
    ctx.release({ session: sess });
    return s;
  };
  await once();
  await once();
  console.log('ready');
  for await (const line of createInterface({ input: process.stdin })) {
    if (line.trim() === 'quit') break;
    console.log(await once());
  }
  await sess.close();
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function main(): Promise<void> {
  const name = option('graph', 'g1-rmat-s20');
  const ids = option('ids', 'int32') as IdType;
  const app = option('app', 'sssp') as App;
  const reps = Number(option('reps', '9'));
  const mode = option('mode', 'warm');
  if (mode !== 'warm' && mode !== 'e2e') throw new Error(`--mode is warm or e2e, not ${mode}`);
  const sides = option('sides', 'new=.').split(',').map((s) => s.split('=') as [string, string]);
  const { path } = loadOrGenerate(name);
  const here = dirname(fileURLToPath(import.meta.url));
  // scipy_serve.py sits next to this module in the source tree (compiled, this module is in dist-bench/).
  const pyDir = here.includes(`${sep}dist-bench${sep}`) ? join(here, '..', '..', '..', 'bench', 'graph') : here;
  const scipy = new Server('python3', [join(pyDir, 'scipy_serve.py'), path], pyDir);
  const serveAs = mode === 'warm' ? '--serve' : '--serve-e2e';
  const ours = sides.map(([label, dir]) => ({ label, server: new Server('node', [join(resolve(dir), 'dist-bench', 'bench', 'graph', 'paired.js'), serveAs, name, ids, app], resolve(dir)) }));
  // Servers start one after another: loading the graph is not what is measured, but it loads the machine.
  await scipy.read();
  for (const o of ours) await o.server.read();
  const times: Record<string, number[]> = { scipy: [] };
  const ratios: Record<string, number[]> = {};
  for (const o of ours) [times[o.label], ratios[o.label]] = [[], []];
  for (let r = 0; r < reps; r++) {
    const base = (mode === 'e2e' ? await scipy.ask('load') : 0) + (await scipy.ask(app));
    times.scipy!.push(base);
    // Rotate the order of our sides per repetition, so none always runs right after scipy.
    for (let k = 0; k < ours.length; k++) {
      const o = ours[(r + k) % ours.length]!;
      const t = await o.server.ask('run');
      times[o.label]!.push(t);
      ratios[o.label]!.push(t / base);
    }
  }
  scipy.close();
  for (const o of ours) o.server.close();
  console.log(`${name} ${ids} ${mode} ${app}, ${reps} paired repetitions; scipy median ${median(times.scipy!).toFixed(3)} s [${times.scipy!.map((t) => t.toFixed(3)).join(' ')}]`);
  for (const o of ours) {
    const t = times[o.label]!;
    console.log(`  ${o.label.padEnd(6)} median ${median(t).toFixed(3)} s, median ratio to scipy ${median(ratios[o.label]!).toFixed(3)}  [${ratios[o.label]!.map((x) => x.toFixed(2)).join(' ')}]`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--serve') await serve(process.argv[3]!, process.argv[4] as IdType, process.argv[5] as App);
  else if (process.argv[2] === '--serve-e2e') await serveFirstApps(process.argv[3]!, process.argv[4] as IdType, process.argv[5] as App);
  else await main();
}
