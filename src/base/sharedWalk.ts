/**
 * The shared buffers reachable from a value the engine passes between threads (task inputs, params,
 * outputs: values, frames, graph parts), through objects, arrays, Maps and Sets and typed-array views.
 * Each buffer is reported once per walk. Arrays of plain values (a million string ids) hold no buffers:
 * an array is walked when its first element is an object, or, with `allBelow`, when it is shorter than
 * that (a walk that must not miss a buffer behind a number).
 */
export interface SharedWalkOptions {
  readonly maxDepth: number;
  readonly allBelow?: number;
}

export function forEachSharedBuffer(
  value: unknown,
  onBuffer: (buffer: SharedArrayBuffer) => void,
  options: SharedWalkOptions,
  seen: Set<unknown> = new Set(),
  depth = 0,
): void {
  if (typeof value !== 'object' || value === null || depth > options.maxDepth) return;
  if (ArrayBuffer.isView(value) || value instanceof SharedArrayBuffer) {
    const buffer = ArrayBuffer.isView(value) ? value.buffer : value;
    if (buffer instanceof SharedArrayBuffer && !seen.has(buffer)) {
      seen.add(buffer);
      onBuffer(buffer);
    }
    return;
  }
  if (value instanceof ArrayBuffer) return;
  const next = (v: unknown): void => forEachSharedBuffer(v, onBuffer, options, seen, depth + 1);
  if (Array.isArray(value)) {
    if (value.length === 0) return;
    if (typeof value[0] === 'object' || value.length < (options.allBelow ?? 0)) for (const v of value) next(v);
    return;
  }
  if (value instanceof Map || value instanceof Set) {
    for (const v of value.values()) next(v);
    return;
  }
  for (const key in value) next((value as Record<string, unknown>)[key]);
}
