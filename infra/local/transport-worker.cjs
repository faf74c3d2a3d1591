'use strict';
// The worker side of the in-process transport for SDK calls (ADR 24). The AWS SDK v3 clients take
// their HTTP handler from `@smithy/node-http-handler` (`NodeHttpHandler.create(config.requestHandler)`
// in each client's runtime config) and have no global setting for it, so `install` registers a
// Node module resolve hook (module.registerHooks) that answers that package with this module: the
// same exports, but a `NodeHttpHandler` that posts requests for the local endpoint to the main
// thread over a message port. Everything before the handler still runs in the worker as on Lambda:
// serialisation, SigV4 signing, retries, error parsing. Requests for any other host go through the
// real handler.
const { registerHooks } = require('node:module');
const { Readable } = require('node:stream');
const { pathToFileURL } = require('node:url');
const { buildQueryString, HttpResponse } = require('@smithy/core/protocols');
// Loaded before the hook is registered: the real package, for its other exports and other hosts.
const real = require('@smithy/node-http-handler');

const SELF = pathToFileURL(__filename).href;
/** The port to the endpoint and the host and port its requests go to, once installed. */
let channel;
const pending = new Map();
let nextId = 1;

/**
 * Routes this worker's SDK calls to the local endpoint through `port` (the endpoint's `channel()`);
 * `endpointUrl` is the AWS_ENDPOINT_URL the SDK resolves, whose requests take the port.
 */
function install(port, endpointUrl) {
  // Node before 22.15 has no synchronous hooks: calls then stay on HTTP, which works the same.
  if (typeof registerHooks !== 'function' || !endpointUrl) {
    port.close();
    return;
  }
  const url = new URL(endpointUrl);
  channel = { port, host: url.hostname, endpointPort: url.port, closed: false };
  port.on('message', (res) => {
    pending.get(res.id)?.settle(res);
  });
  // The endpoint went away (the runtime is closing): fail waiting calls as a reset connection
  // fails them over HTTP (the real handler names ECONNRESET a TimeoutError, which the SDK retries).
  port.on('close', () => {
    channel.closed = true;
    for (const p of [...pending.values()]) p.fail(connectionReset());
  });
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (specifier === '@smithy/node-http-handler' && context.parentURL !== SELF) {
        return { url: SELF, format: 'commonjs', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

const connectionReset = () => Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

const isLocal = (request) =>
  channel !== undefined && request.hostname === channel.host && String(request.port ?? '') === channel.endpointPort;

async function bodyText(body) {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (body instanceof Readable) {
    const chunks = [];
    for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    return Buffer.concat(chunks).toString('utf8');
  }
  return Buffer.from(body).toString('utf8');
}

/** The body's bytes, for S3 (objects are binary). */
async function bodyBytes(body) {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return body;
  if (body instanceof Readable) {
    const chunks = [];
    for await (const c of body) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    return Buffer.concat(chunks);
  }
  return Buffer.from(body);
}

/** A request signed for S3 (its credential scope names it): its body travels as bytes, as does the answer. */
const forS3 = (headers) => /\/s3\/aws4_request/.test(headers.authorization ?? '');

function lowerCaseHeaders(headers) {
  const out = {};
  for (const name of Object.keys(headers ?? {})) out[name.toLowerCase()] = String(headers[name]);
  return out;
}

/** Rejects as the real handler does when the signal aborts (its buildAbortError). */
function abortError(signal) {
  const reason = signal && typeof signal === 'object' && 'reason' in signal ? signal.reason : undefined;
  const error = new Error(reason && !(reason instanceof Error) ? String(reason) : 'Request aborted');
  error.name = 'AbortError';
  if (reason instanceof Error) error.cause = reason;
  return error;
}

/**
 * The SDK's request handler for local calls. It keeps the real handler's contract
 * (`handle(request, { abortSignal, requestTimeout })` resolving `{ response }`) and its timeouts
 * where they still mean something without a socket: an abort rejects with `AbortError`; the
 * request timeout rejects with `TimeoutError` when `throwOnRequestTimeout` is set and otherwise
 * only warns, as the real one does; a socket (inactivity) timeout rejects with `TimeoutError`,
 * since no byte arrives before the whole answer. A connection timeout cannot happen.
 */
class NodeHttpHandler {
  metadata = { handlerProtocol: 'http/1.1' };

  static create(instanceOrOptions) {
    if (typeof instanceOrOptions?.handle === 'function') return instanceOrOptions;
    return new NodeHttpHandler(instanceOrOptions);
  }

  constructor(options) {
    this.options = options;
    this.configProvider = Promise.resolve(typeof options === 'function' ? options() : options).then((o) => ({
      ...(o ?? {}),
    }));
    this.config = undefined;
    this.fallback = undefined;
  }

  async handle(request, { abortSignal, requestTimeout } = {}) {
    if (!isLocal(request)) {
      this.fallback ??= real.NodeHttpHandler.create(this.options);
      return this.fallback.handle(request, { abortSignal, requestTimeout });
    }
    this.config ??= await this.configProvider;
    const config = this.config;
    if (abortSignal?.aborted) throw abortError(abortSignal);
    if (channel.closed) throw connectionReset();
    const query = request.query ? buildQueryString(request.query) : '';
    const headers = lowerCaseHeaders(request.headers);
    const binary = forS3(headers);
    const message = {
      id: nextId++,
      method: request.method,
      path: query ? `${request.path}?${query}` : request.path,
      headers,
      body: binary ? '' : await bodyText(request.body),
    };
    if (binary) message.bytes = await bodyBytes(request.body);
    return new Promise((resolve, reject) => {
      const timers = [];
      let onAbort;
      const done = () => {
        pending.delete(message.id);
        for (const t of timers) clearTimeout(t);
        if (onAbort) abortSignal.removeEventListener?.('abort', onAbort);
      };
      pending.set(message.id, {
        fail(error) {
          done();
          reject(error);
        },
        settle(res) {
          done();
          const body = res.bytes
            ? Buffer.from(res.bytes.buffer, res.bytes.byteOffset, res.bytes.byteLength)
            : Buffer.from(res.body, 'utf8');
          resolve({
            response: new HttpResponse({
              statusCode: res.status,
              // A HEAD answer's length is the object's, not its (empty) body's.
              headers: { 'content-length': String(body.byteLength), ...res.headers },
              // S3's GetObject hands its body on as a stream (the SDK's sdkStreamMixin wants a Readable).
              body: res.bytes ? Readable.from([body], { objectMode: false }) : body,
            }),
          });
        },
      });
      if (abortSignal) {
        onAbort = () => {
          done();
          reject(abortError(abortSignal));
        };
        if (typeof abortSignal.addEventListener === 'function')
          abortSignal.addEventListener('abort', onAbort, { once: true });
        else abortSignal.onabort = onAbort;
      }
      const effectiveRequestTimeout = requestTimeout ?? config.requestTimeout;
      if (effectiveRequestTimeout) {
        timers.push(
          setTimeout(() => {
            const msg = `@smithy/node-http-handler - [${config.throwOnRequestTimeout ? 'ERROR' : 'WARN'}] a request has exceeded the configured ${effectiveRequestTimeout} ms requestTimeout.`;
            if (!config.throwOnRequestTimeout) {
              (config.logger ?? console).warn?.(
                `${msg} Init client requestHandler with throwOnRequestTimeout=true to turn this into an error.`,
              );
              return;
            }
            done();
            reject(Object.assign(new Error(msg), { name: 'TimeoutError', code: 'ETIMEDOUT' }));
          }, effectiveRequestTimeout),
        );
      }
      const socketTimeout = config.socketTimeout ?? config.defaultSocketTimeout;
      if (Number.isFinite(socketTimeout) && socketTimeout > 0) {
        timers.push(
          setTimeout(() => {
            done();
            reject(
              Object.assign(
                new Error(
                  `@smithy/node-http-handler - the request socket timed out after ${socketTimeout} ms of inactivity (${config.socketTimeout === undefined ? 'service default socket timeout' : 'configured by client requestHandler'}).`,
                ),
                { name: 'TimeoutError' },
              ),
            );
          }, socketTimeout),
        );
      }
      channel.port.postMessage(message);
    });
  }

  updateHttpClientConfig(key, value) {
    this.fallback?.updateHttpClientConfig(key, value);
    this.configProvider = this.configProvider.then((config) => {
      if (key === Symbol.for('logger')) return { ...config, logger: config.logger ?? value };
      if (key === Symbol.for('@smithy/defaultSocketTimeout')) {
        return { ...config, defaultSocketTimeout: config.defaultSocketTimeout ?? value };
      }
      return { ...config, [key]: value };
    });
    this.config = undefined;
  }

  httpHandlerConfigs() {
    return this.config ?? {};
  }

  destroy() {
    this.fallback?.destroy();
  }
}

module.exports = { ...real, NodeHttpHandler, install };
