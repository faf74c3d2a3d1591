/** Dates and durations as people read them, in the browser's locale and time zone. */
export const when = (iso?: string | null) => (iso ? new Date(iso).toLocaleString() : '—');

export function minutesText(minutes: number): string {
  const m = Math.round(Math.abs(minutes));
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const rest = m % 60;
  return [d ? `${d} d` : '', h ? `${h} h` : '', `${rest} min`].filter(Boolean).join(' ');
}

/** How long until (positive) or since (negative) an instant, in words. */
export function untilText(iso: string, now = Date.now()): string {
  const minutes = (Date.parse(iso) - now) / 60_000;
  return minutes >= 0 ? `in ${minutesText(minutes)}` : `${minutesText(minutes)} ago`;
}
