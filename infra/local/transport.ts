import type { MessagePort } from 'node:worker_threads';

/**
 * The main-thread side of the in-process transport for functions' SDK calls (ADR 24). A function's
 * worker posts each signed SDK request on its own message port instead of sending it over loopback
 * TCP (infra/local/transport-worker.cjs); this side hands it to the endpoint's dispatch, the same
 * one the HTTP server uses, and posts the answer back. The messages carry what HTTP would: method,
 * path, headers (lower case) and the body text (bytes for S3), so routing and caller identity are unchanged.
 */
export interface EndpointRequest {
  method: string;
  /** Path with any query string, as in an HTTP request line. */
  path: string;
  /** Lower-case header names, as Node's HTTP server gives them. */
  headers: Record<string, string | undefined>;
  /** The body as UTF-8 text, for the JSON protocols; empty when `bytes` carries it. */
  body: string;
  /** The body's bytes, for S3 (objects are binary): set instead of `body` on requests for S3. */
  bytes?: Uint8Array;
}

export interface EndpointResponse {
  status: number;
  /** Lower-case names; a `content-length` here is kept (a HEAD answer's length is the object's). */
  headers: Record<string, string>;
  body: string;
  /** The body's bytes, when set (S3); `body` is then ignored. */
  bytes?: Uint8Array;
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
      // A view is copied with its whole backing buffer when posted: send just its bytes.
      if (res.bytes) answer.bytes = exact(res.bytes);
      port.postMessage(answer);
    });
  });
}

/** The bytes of a view, in an array buffer of their own. */
function exact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
