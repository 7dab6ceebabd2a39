/**
 * Loads the dashboard's client modules in Node exactly as the browser gets them (their text, as an ES
 * module from a data: URL), so tests exercise the code the page runs.
 */
import { DAG_JS } from '../../src/service/server/dashboard/assets/dagJs.js';
import { STATE_JS } from '../../src/service/server/dashboard/assets/stateJs.js';

export interface Patch {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: readonly (string | number)[];
  readonly value?: unknown;
}

export interface ClientState {
  applyPatches<S>(state: S, patches: readonly Patch[]): S;
  sessionsFromSnapshot(data: unknown): { sessions: Record<string, { id: string }> };
  createSseParser(onEvent: (name: string, data: string) => void): (text: string) => void;
}

export interface DagModel {
  run: number;
  status: string;
  chunks: number;
  grouped: boolean;
  totals: number[];
  counts: number[];
  nodes: { label: string; level: number; size: number }[];
  edges: number[];
  store?: { memoryInUse: number; memoryLimit: number; objects: number };
}

export interface ClientDag {
  createDagModel(snapshot: unknown): DagModel;
  applyDagUpdate(model: DagModel, update: unknown): number[] | null;
  nodeState(model: DagModel, node: number): string;
  describeRun(model: DagModel | null): string;
  layoutNodes(nodes: DagModel['nodes']): {
    boxes: { x: number; y: number; w: number; h: number }[];
    bands: { level: number; x: number; w: number }[];
    width: number;
    height: number;
    compact: boolean;
  };
}

async function importText<T>(text: string): Promise<T> {
  return (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(text).toString('base64')}`)) as T;
}

export const clientState = (): Promise<ClientState> => importText<ClientState>(STATE_JS);
export const clientDag = (): Promise<ClientDag> => importText<ClientDag>(DAG_JS);
