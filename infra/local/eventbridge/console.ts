/**
 * The local event console, served on the AWS endpoint: `GET /_local/events` lists accepted events
 * newest first (filters `source`, `detail-type`, `correlation-id`, `from`, `to`; `limit` 1-100,
 * default 25; an opaque `cursor`), `GET /_local/events/{id}` shows one in full. Each event shows
 * the rules it matched and what became of each delivery: handed to the target, retried,
 * dead-lettered, and then what the Lambda function made of it (succeeded, retried, on-failure
 * record). JSON by default; HTML (a plain server-rendered page) when the client asks for
 * `text/html`, as a browser does. Bad queries are 400 problem+json (RFC 9457) with a stable
 * `code`; an unknown id is 404.
 */
import { problem } from '../../../shared/kit/errors';
import { EventQueryError, type LocalEventBridge, type StoredEvent } from './bus';
import type { DeliveryView } from './event-store';

export const EVENTS_PATH = '/_local/events';

export interface ConsoleReply {
  status: number;
  contentType: string;
  body: string;
}

const DEFAULT_LIMIT = 25;
/** Query parameters and the `EventQuery` field each sets. */
const FILTERS = {
  source: 'source',
  'detail-type': 'detailType',
  'correlation-id': 'correlationId',
  from: 'from',
  to: 'to',
} as const;
const PARAMETERS = new Set([...Object.keys(FILTERS), 'limit', 'cursor']);

/** Answers a GET under `/_local/events`; `accept` is the request's Accept header. */
export async function serveEvents(bus: LocalEventBridge, url: URL, accept = ''): Promise<ConsoleReply> {
  const html = wantsHtml(accept);
  const rest = url.pathname.slice(EVENTS_PATH.length);
  try {
    if (rest === '' || rest === '/') return await list(bus, url, html);
    const id = decodeSegment(rest.slice(1));
    const found = id === undefined ? undefined : await bus.event(id);
    if (!found) throw new ConsoleError(404, 'event-not-found', `No accepted event with id ${rest.slice(1)} is kept.`);
    const view = { ...summary(found), event: found.event };
    return html ? page(200, `Event ${found.event.id}`, eventHtml(found)) : json(200, view);
  } catch (error) {
    if (error instanceof EventQueryError) return failure(new ConsoleError(400, error.code, error.message), html);
    if (error instanceof ConsoleError) return failure(error, html);
    throw error;
  }
}

async function list(bus: LocalEventBridge, url: URL, html: boolean): Promise<ConsoleReply> {
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (!PARAMETERS.has(name)) {
      throw new ConsoleError(
        400,
        'unknown-parameter',
        `Unknown query parameter ${name}; use ${[...PARAMETERS].join(', ')}.`,
      );
    }
    if (url.searchParams.getAll(name).length > 1) {
      throw new ConsoleError(400, 'repeated-parameter', `Query parameter ${name} is given more than once.`);
    }
    // A form sends empty fields: an empty filter is no filter.
    if (value !== '') query[name] = value;
  }
  const limitText = query.limit ?? String(DEFAULT_LIMIT);
  const limit = /^\d{1,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
  const filters = Object.fromEntries(
    Object.entries(FILTERS)
      .filter(([param]) => query[param] !== undefined)
      .map(([param, field]) => [field, query[param]!]),
  );
  const result = await bus.events({ ...filters, limit, ...(query.cursor ? { cursor: query.cursor } : {}) });
  const next = result.cursor === undefined ? undefined : nextHref(url, result.cursor);
  if (html) return page(200, 'Events', listHtml(query, result.items, next));
  return json(200, { items: result.items.map(summary), ...(result.cursor ? { nextCursor: result.cursor, next } : {}) });
}

/** What the console shows of an event, deliveries included. */
function summary(stored: StoredEvent) {
  const { event } = stored;
  return {
    id: event.id,
    time: event.time,
    bus: stored.bus,
    source: event.source,
    detailType: event['detail-type'],
    correlationId: stored.correlationId ?? null,
    rules: stored.rules.map((r) => ({ name: r.rule, arn: r.ruleArn, targets: r.targets })),
    deliveries: stored.deliveries.map(deliveryJson),
    href: `${EVENTS_PATH}/${encodeURIComponent(event.id)}`,
  };
}

function deliveryJson(d: DeliveryView) {
  return {
    ...(d.id ? { id: d.id } : {}),
    rule: d.rule,
    target: d.target,
    state: d.state,
    attempts: d.attempts,
    retries: Math.max(0, d.attempts - 1),
    ...(d.error ? { error: d.error } : {}),
    ...(d.deadLetterId ? { deadLetterId: d.deadLetterId } : {}),
    ...(d.invocation
      ? {
          invocation: {
            requestId: d.invocation.requestId,
            state: d.invocation.state,
            attempts: d.invocation.attempts,
            retries: Math.max(0, d.invocation.attempts - 1),
            ...(d.invocation.error ? { error: d.invocation.error } : {}),
            ...(d.invocation.failureId ? { onFailureId: d.invocation.failureId } : {}),
            ...(d.invocation.condition ? { condition: d.invocation.condition } : {}),
          },
        }
      : {}),
    ...(d.at ? { at: d.at } : {}),
  };
}

class ConsoleError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function failure(error: ConsoleError, html: boolean): ConsoleReply {
  if (html) {
    const body = `<h1>${error.status === 404 ? 'Not found' : 'Bad request'}</h1><p>${escapeHtml(error.message)}</p><p><a href="${EVENTS_PATH}">All events</a></p>`;
    return page(error.status, 'Events', body);
  }
  return {
    status: error.status,
    contentType: 'application/problem+json',
    body: JSON.stringify(problem(error.status, error.code, error.message)),
  };
}

const json = (status: number, body: unknown): ConsoleReply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
});

/** A browser asks for `text/html` first; `curl` and the SDKs send `*\/*` or JSON and get JSON. */
function wantsHtml(accept: string): boolean {
  const html = accept.indexOf('text/html');
  const jsonAt = accept.indexOf('application/json');
  return html >= 0 && (jsonAt < 0 || html < jsonAt);
}

function decodeSegment(text: string): string | undefined {
  try {
    const id = decodeURIComponent(text);
    return id === '' || id.includes('/') ? undefined : id;
  } catch {
    return undefined;
  }
}

function nextHref(url: URL, cursor: string): string {
  const next = new URLSearchParams(url.searchParams);
  next.set('cursor', cursor);
  return `${EVENTS_PATH}?${next.toString()}`;
}

// HTML: plain, server-rendered, every value escaped.

function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(status: number, title: string, body: string): ConsoleReply {
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ITSM local runtime</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #111; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #999; padding: .3rem .5rem; text-align: left; vertical-align: top; }
form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; font-size: .9rem; }
pre { background: #f4f4f4; padding: 1rem; overflow-x: auto; }
ul { margin: 0; padding-left: 1.1rem; }
</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
  return { status, contentType: 'text/html; charset=utf-8', body: html };
}

function listHtml(query: Record<string, string>, items: StoredEvent[], next: string | undefined): string {
  const field = (param: string, label: string, type = 'text') =>
    `<label for="f-${param}">${label}<input id="f-${param}" name="${param}" type="${type}" value="${escapeHtml(query[param])}"></label>`;
  const rows = items
    .map((stored) => {
      const e = stored.event;
      const href = `${EVENTS_PATH}/${encodeURIComponent(e.id)}`;
      return `<tr>
<td><a href="${escapeHtml(href)}"><time datetime="${escapeHtml(e.time)}">${escapeHtml(e.time)}</time></a></td>
<td>${escapeHtml(e.source)}</td>
<td>${escapeHtml(e['detail-type'])}</td>
<td>${escapeHtml(stored.correlationId ?? '')}</td>
<td>${escapeHtml(stored.bus)}</td>
<td>${deliveriesList(stored.deliveries)}</td>
</tr>`;
    })
    .join('\n');
  return `<h1>Events</h1>
<form method="get" action="${EVENTS_PATH}" role="search" aria-label="Filter events">
${field('source', 'Source')}
${field('detail-type', 'Detail type')}
${field('correlation-id', 'Correlation id')}
${field('from', 'From (ISO 8601)')}
${field('to', 'To (ISO 8601)')}
${field('limit', 'Per page (1-100)', 'number')}
<button type="submit">Filter</button>
</form>
<table>
<caption>Accepted events, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Source</th><th scope="col">Detail type</th><th scope="col">Correlation id</th><th scope="col">Bus</th><th scope="col">Rules and deliveries</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="6">No event matches.</td></tr>'}
</tbody>
</table>
${next ? `<p><a href="${escapeHtml(next)}" rel="next">Older events</a></p>` : ''}`;
}

function eventHtml(stored: StoredEvent): string {
  const e = stored.event;
  const rules = stored.rules.length
    ? `<ul>${stored.rules.map((r) => `<li>${escapeHtml(r.rule)} (${escapeHtml(r.ruleArn)}) → ${escapeHtml(r.targets.join(', '))}</li>`).join('')}</ul>`
    : 'none';
  return `<h1>Event <code>${escapeHtml(e.id)}</code></h1>
<p><a href="${EVENTS_PATH}">All events</a></p>
<dl>
<dt>Time</dt><dd><time datetime="${escapeHtml(e.time)}">${escapeHtml(e.time)}</time></dd>
<dt>Bus</dt><dd>${escapeHtml(stored.bus)}</dd>
<dt>Source</dt><dd>${escapeHtml(e.source)}</dd>
<dt>Detail type</dt><dd>${escapeHtml(e['detail-type'])}</dd>
<dt>Correlation id</dt><dd>${stored.correlationId ? `<a href="${EVENTS_PATH}?correlation-id=${encodeURIComponent(stored.correlationId)}">${escapeHtml(stored.correlationId)}</a>` : 'none'}</dd>
<dt>Rules matched</dt><dd>${rules}</dd>
</dl>
<h2>Deliveries</h2>
${deliveriesList(stored.deliveries)}
<h2>The event as delivered</h2>
<pre>${escapeHtml(JSON.stringify(e, null, 2))}</pre>`;
}

function deliveriesList(deliveries: readonly DeliveryView[]): string {
  if (deliveries.length === 0) return 'no rule matched';
  return `<ul>${deliveries.map((d) => `<li>${escapeHtml(describe(d))}</li>`).join('')}</ul>`;
}

/** One line per delivery, as an operator would say it. */
export function describe(d: DeliveryView): string {
  const to = `${d.rule} → ${d.target}`;
  const retries = (n: number) => (n > 1 ? `, retried ${n - 1} time${n > 2 ? 's' : ''}` : '');
  switch (d.state) {
    case 'pending':
      return `${to}: not handed over yet`;
    case 'retrying':
      return `${to}: hand-off attempt ${d.attempts} failed (${d.error ?? ''}), retrying`;
    case 'dead-lettered':
      return `${to}: dead-lettered after ${d.attempts} attempt${d.attempts > 1 ? 's' : ''} (${d.error ?? ''}); dead letter ${d.deadLetterId ?? ''}`;
    case 'handed': {
      const handed = `${to}: handed over${retries(d.attempts)}`;
      const inv = d.invocation;
      if (!inv || inv.state === 'pending') return `${handed}; function not run yet`;
      if (inv.state === 'succeeded') return `${handed}; function succeeded${retries(inv.attempts)}`;
      if (inv.state === 'retrying') {
        return `${handed}; function attempt ${inv.attempts} failed (${inv.error ?? ''}), retrying`;
      }
      return `${handed}; function failed${retries(inv.attempts)} (${inv.error ?? ''}); on-failure record ${inv.failureId ?? ''} (${inv.condition ?? ''})`;
    }
  }
}
