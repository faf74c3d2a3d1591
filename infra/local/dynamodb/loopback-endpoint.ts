/**
 * A minimal awsJson1.0 endpoint for one AwsService, on 127.0.0.1, so the tests and the
 * benchmark can drive LocalDynamoDB through the real AWS SDK v3. The platform's own endpoint
 * (4566, all services) is built elsewhere; this one follows the same contract
 * (see ../aws-service.ts) and serialises errors with `awsJsonErrorBody`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, type AwsService } from '../aws-service';
import { awsJsonErrorBody } from './errors';

export interface LoopbackEndpoint {
  url: string;
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/x-amz-json-1.0';

/** The access key id of a SigV4 `Authorization` header (`Credential=<key>/<date>/…`). */
const callerOf = (req: IncomingMessage) =>
  /Credential=([^/,\s]+)/.exec(req.headers.authorization ?? '')?.[1] ?? 'anonymous';

export async function startLoopbackEndpoint(service: AwsService): Promise<LoopbackEndpoint> {
  const server = createServer((req, res) => void serve(service, req, res));
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

async function serve(service: AwsService, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const send = (status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const [prefix, action] = String(req.headers['x-amz-target'] ?? '').split('.');
    if (prefix !== service.targetPrefix || !action) throw new AwsError('UnknownOperationException', '');
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    send(200, await service.handle(action, input, { caller: callerOf(req) }));
  } catch (err) {
    const error = err instanceof AwsError ? err : new AwsError('InternalServerError', String(err), 500);
    send(error.statusCode, awsJsonErrorBody(error));
  }
}
