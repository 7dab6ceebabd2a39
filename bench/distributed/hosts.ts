/**
 * Several hosts on one machine for the distributed executor (issue 12 §3): one network namespace per
 * host — a Redis host and N worker hosts — each joined by a veth pair to one bridge in the root
 * namespace, where the driver (the session) runs. Every host has its own loopback and address, so a
 * worker reaches Redis over a (virtual) network link as it would on another machine, and a host can be
 * cut off (`ip link set ... down`) without touching the others.
 *
 *   bridge <prefix>br  10.<net>.0.1/24   (root namespace: the driver)
 *   <prefix>-redis     10.<net>.0.2      redis-server
 *   <prefix>-w1 ...    10.<net>.0.3 ...  tessera worker
 *
 * Needs root (`ip netns`, `ip link`); `hostsAvailable()` says whether this process can make them.
 *
 *   npx tsx bench/distributed/hosts.ts up [--prefix ts] [--workers 2] [--net 77]
 *   npx tsx bench/distributed/hosts.ts down [--prefix ts]
 *   npx tsx bench/distributed/hosts.ts status [--prefix ts]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

export interface HostsOptions {
  /** Namespace and link names start with it (at most 6 characters: link names are 15 at most). */
  readonly prefix?: string;
  /** Worker hosts. */
  readonly workers?: number;
  /** The second octet of the hosts' 10.x.0.0/24 network. */
  readonly net?: number;
}

export interface Host {
  /** The network namespace's name. */
  readonly name: string;
  readonly address: string;
  /** `argv` run inside this host (prefixed with `ip netns exec <name>`). */
  command(argv: readonly string[]): string[];
  /** Takes the host's link down (it is cut off from every other host) or up again. */
  setLink(up: boolean): void;
}

export interface Hosts {
  readonly bridgeAddress: string;
  readonly redis: Host;
  readonly workers: readonly Host[];
  /** Removes every namespace, veth pair and the bridge (idempotent). */
  down(): void;
}

const IP = '/usr/sbin/ip';

function ip(args: readonly string[]): string {
  return execFileSync(IP, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Whether namespaces can be made here: root, `ip` present and the kernel allowing it. */
export function hostsAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = `tsprobe${process.pid % 100000}`;
  const made = spawnSync(IP, ['netns', 'add', probe], { stdio: 'ignore' }).status === 0;
  if (made) spawnSync(IP, ['netns', 'del', probe], { stdio: 'ignore' });
  return made;
}

function names(prefix: string, workers: number): { bridge: string; hosts: string[] } {
  if (!/^[a-z][a-z0-9]{0,5}$/.test(prefix)) throw new Error(`prefix must be 1-6 lowercase letters or digits starting with a letter, got ${JSON.stringify(prefix)}`);
  return { bridge: `${prefix}br`, hosts: [`${prefix}-redis`, ...Array.from({ length: workers }, (_, i) => `${prefix}-w${i + 1}`)] };
}

function existingNamespaces(): Set<string> {
  return new Set(ip(['netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean));
}

function host(name: string, address: string, link: string): Host {
  return {
    name,
    address,
    command: (argv) => [IP, 'netns', 'exec', name, ...argv],
    setLink: (up) => void ip(['netns', 'exec', name, IP, 'link', 'set', link, up ? 'up' : 'down']),
  };
}

/** Removes the hosts made with `prefix` (any number of workers), whatever state they are in. */
export function hostsDown(prefix = 'ts'): void {
  const { bridge } = names(prefix, 0);
  for (const ns of existingNamespaces()) {
    // Deleting a namespace deletes its veth end, and with it the peer on the bridge.
    if (ns === `${prefix}-redis` || new RegExp(`^${prefix}-w\\d+$`).test(ns)) spawnSync(IP, ['netns', 'del', ns], { stdio: 'ignore' });
  }
  spawnSync(IP, ['link', 'del', bridge], { stdio: 'ignore' });
}

/** Makes a Redis host and `workers` worker hosts (removing leftovers of the same prefix first). */
export function hostsUp(options: HostsOptions = {}): Hosts {
  const prefix = options.prefix ?? 'ts';
  const workers = options.workers ?? 2;
  const net = options.net ?? 77;
  if (!Number.isInteger(workers) || workers < 1 || workers > 200) throw new Error(`workers must be 1..200, got ${workers}`);
  if (!Number.isInteger(net) || net < 0 || net > 255) throw new Error(`net must be 0..255, got ${net}`);
  const { bridge, hosts } = names(prefix, workers);
  hostsDown(prefix);
  const base = `10.${net}.0`;
  try {
    ip(['link', 'add', bridge, 'type', 'bridge']);
    ip(['addr', 'add', `${base}.1/24`, 'dev', bridge]);
    ip(['link', 'set', bridge, 'up']);
    hosts.forEach((ns, i) => {
      const outer = `${prefix}v${i}`;
      const inner = `${prefix}p${i}`;
      ip(['netns', 'add', ns]);
      ip(['link', 'add', outer, 'type', 'veth', 'peer', 'name', inner]);
      ip(['link', 'set', inner, 'netns', ns]);
      ip(['link', 'set', outer, 'master', bridge]);
      ip(['link', 'set', outer, 'up']);
      ip(['netns', 'exec', ns, IP, 'addr', 'add', `${base}.${i + 2}/24`, 'dev', inner]);
      ip(['netns', 'exec', ns, IP, 'link', 'set', inner, 'up']);
      ip(['netns', 'exec', ns, IP, 'link', 'set', 'lo', 'up']);
    });
  } catch (e) {
    hostsDown(prefix);
    throw e;
  }
  const [redisNs, ...workerNs] = hosts;
  return {
    bridgeAddress: `${base}.1`,
    redis: host(redisNs!, `${base}.2`, `${prefix}p0`),
    workers: workerNs.map((ns, i) => host(ns, `${base}.${i + 3}`, `${prefix}p${i + 1}`)),
    down: () => hostsDown(prefix),
  };
}

function main(): void {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { prefix: { type: 'string', default: 'ts' }, workers: { type: 'string', default: '2' }, net: { type: 'string', default: '77' } },
  });
  const [command] = positionals;
  if (command === 'up') {
    const h = hostsUp({ prefix: values.prefix, workers: Number(values.workers), net: Number(values.net) });
    console.log(JSON.stringify({ bridge: h.bridgeAddress, redis: { ns: h.redis.name, address: h.redis.address }, workers: h.workers.map((w) => ({ ns: w.name, address: w.address })) }, null, 2));
  } else if (command === 'down') {
    hostsDown(values.prefix);
  } else if (command === 'status') {
    console.log([...existingNamespaces()].filter((n) => n.startsWith(`${values.prefix}-`)).join('\n'));
  } else {
    console.error('usage: hosts.ts up|down|status [--prefix ts] [--workers 2] [--net 77]');
    process.exitCode = 2;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main();
