/**
 * A hosted session's events and logs, kept outside the registry's immer state (logs grow; the
 * registry stays small). Both are bounded: the oldest lines go first, and the text says how many went.
 * Followers (`/logs?follow=1`, the dashboard) get each new line as it is written.
 */
export interface SessionEvent {
  readonly time: string;
  readonly type: string;
  readonly message: string;
}

export type LogListener = (line: string) => void;

export class SessionJournal {
  readonly #events: SessionEvent[] = [];
  readonly #lines: string[] = [];
  #droppedLines = 0;
  #ended = false;
  readonly #followers = new Set<LogListener>();
  readonly #endListeners = new Set<() => void>();

  constructor(
    readonly maxEvents = 1000,
    readonly maxLines = 10_000,
  ) {}

  event(type: string, message: string): void {
    this.#events.push({ time: new Date().toISOString(), type, message });
    if (this.#events.length > this.maxEvents) this.#events.shift();
  }

  get events(): readonly SessionEvent[] {
    return this.#events;
  }

  /** Appends text (split into lines) to the log and hands each line to the followers. */
  log(text: string): void {
    for (const line of text.replace(/\n$/, '').split('\n')) {
      this.#lines.push(line);
      if (this.#lines.length > this.maxLines) {
        this.#lines.shift();
        this.#droppedLines++;
      }
      for (const f of this.#followers) f(line);
    }
  }

  /** The whole log as text, one line each, prefixed by a note when old lines were dropped. */
  text(): string {
    const head = this.#droppedLines > 0 ? [`[${this.#droppedLines} earlier lines dropped]`] : [];
    const lines = [...head, ...this.#lines];
    return lines.length === 0 ? '' : lines.join('\n') + '\n';
  }

  /** Follows new lines until the returned function is called or the journal ends. */
  follow(listener: LogListener, onEnd: () => void): () => void {
    if (this.#ended) {
      onEnd();
      return () => {};
    }
    this.#followers.add(listener);
    this.#endListeners.add(onEnd);
    return () => {
      this.#followers.delete(listener);
      this.#endListeners.delete(onEnd);
    };
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The session is gone or finished: followers are told once and let go. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const f of this.#endListeners) f();
    this.#followers.clear();
    this.#endListeners.clear();
  }
}
