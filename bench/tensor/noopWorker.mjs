/** The raw-pool baseline: a task that does nothing. */
export default function noop(x) {
  return x;
}
