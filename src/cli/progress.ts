/**
 * A terminal progress bar for session runs: silent for runs that finish within a second, then a bar
 * on stderr redrawn at most ten times a second, cleared when the run ends.
 */
import type { ProgressEvent, Session } from '../session/index.js';

const SHOW_AFTER_MS = 1000;
const REDRAW_MS = 100;
const WIDTH = 30;

export function attachProgressBar(session: Session, out: NodeJS.WriteStream = process.stderr): () => void {
  let started = 0;
  let lastDraw = 0;
  let shown = false;
  const draw = (e: ProgressEvent): void => {
    const filled = Math.round(e.progress * WIDTH);
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    const line = `  [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(e.progress * 100).toFixed(0).padStart(3)}%  ${e.done}/${e.total} chunks  ${secs}s`;
    out.write(out.isTTY ? `\r${line}` : `${line}\n`);
    shown = true;
  };
  const onProgress = (e: ProgressEvent): void => {
    const now = performance.now();
    if (e.done === 0 && e.progress < 1) {
      started = now;
      shown = false;
      return;
    }
    if (e.progress === 1) {
      if (shown) {
        draw(e);
        if (out.isTTY) out.write('\n');
      }
      return;
    }
    if (now - started >= SHOW_AFTER_MS && now - lastDraw >= REDRAW_MS) {
      lastDraw = now;
      draw(e);
    }
  };
  session.on('progress', onProgress);
  return () => session.off('progress', onProgress);
}
