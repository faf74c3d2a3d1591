/**
 * The time a function acts on. Deployed, this is the real clock: a function never takes "now"
 * from its input, so invoking it directly cannot make it act for another moment (an SLA breach
 * announced early). Only the local runtime sets an instant here, for the invocations it runs
 * (`Runtime.setTime`), which is how tests move time for the functions that read this clock.
 *
 * @example const due = await runDueTimers(now());
 */
const LOCAL_CLOCK = Symbol.for('itsm.localClock');

export function now(): number {
  const fixed = (globalThis as { [LOCAL_CLOCK]?: unknown })[LOCAL_CLOCK];
  return typeof fixed === 'number' ? fixed : Date.now();
}
