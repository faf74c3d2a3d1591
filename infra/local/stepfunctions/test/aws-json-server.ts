/**
 * Test harness only (the runtime's endpoint lives in infra/local/endpoint.ts): a node:http
 * server speaking the awsJson 1.0 protocol for one service, so tests and the conformance script
 * drive LocalStepFunctions through the real AWS SDK. `X-Amz-Target: AWSStepFunctions.<Action>`,
 * JSON body; errors as `{ "__type": code, "message": msg }` with HTTP 400 (or the error's status).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AwsError, type AwsService } from '../../aws-service';

export interface AwsJsonServer {
  url: string;
  close(): Promise<void>;
}

const CREDENTIAL = /Credential=([^/,\s]+)\//;

export async function serveAwsJson(service: AwsService): Promise<AwsJsonServer> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = (status: number, body: unknown) => {
        const text = JSON.stringify(body);
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.0',
          'content-length': Buffer.byteLength(text),
        });
        res.end(text);
      };
      const target = String(req.headers['x-amz-target'] ?? '');
      const dot = target.lastIndexOf('.');
      if (dot < 0 || target.slice(0, dot) !== service.targetPrefix) {
        reply(400, { __type: 'UnknownOperationException', message: `Unknown target ${target}` });
        return;
      }
      let input: Record<string, unknown>;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        reply(400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
        return;
      }
      const caller = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'anonymous';
      service.handle(target.slice(dot + 1), input, { caller }).then(
        (out) => reply(200, out ?? {}),
        (err: unknown) => {
          if (err instanceof AwsError) reply(err.statusCode, { __type: err.code, message: err.message });
          else reply(500, { __type: 'InternalFailure', message: (err as Error).message });
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
