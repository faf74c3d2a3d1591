import type { MessagePort } from 'node:worker_threads';

/**
 * The main-thread side of the in-process transport for functions' SDK calls (ADR 24). A function's
 * worker posts each signed SDK request on its own message port instead of sending it over loopback
 * TCP (infra/local/transport-worker.cjs); this side hands it to the endpoint's dispatch, the same
 * one the HTTP server uses, and posts the answer back. The messages carry what HTTP would: method,
 * path, headers (lower case) and the body text, so routing and caller identity are unchanged.
 */
export interface EndpointRequest {
  method: string;
  /** Path with any query string, as in an HTTP request line. */
  path: string;
  /** Lower-case header names, as Node's HTTP server gives them. */
  headers: Record<string, string | undefined>;
  /** The body as UTF-8 text (every protocol the endpoint speaks is JSON). */
  body: string;
}

export interface EndpointResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request on a channel; `id` pairs it with its answer. */
export interface ChannelRequest extends EndpointRequest {
  id: number;
}

export interface ChannelResponse extends EndpointResponse {
  id: number;
}

/** Answers every request posted on `port` with `dispatch`, concurrently, as an HTTP server would. */
export function serveChannel(port: MessagePort, dispatch: (req: EndpointRequest) => Promise<EndpointResponse>): void {
  port.on('message', (req: ChannelRequest) => {
    void dispatch(req).then((res) => {
      const answer: ChannelResponse = { id: req.id, status: res.status, headers: res.headers, body: res.body };
      port.postMessage(answer);
    });
  });
}
