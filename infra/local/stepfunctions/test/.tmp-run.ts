import { spawnSync } from 'node:child_process';
import { LocalStepFunctions } from '../local-stepfunctions';
import { serveAwsJson } from './aws-json-server';
const sfn = new LocalStepFunctions({ invokeFunction: async () => ({}), waitScale: Number(process.env.WS ?? 0) });
const srv = await serveAwsJson(sfn);
const { spawn } = await import('node:child_process');
const child = spawn(process.execPath, ['../shared/conformance/asl.mjs', '--endpoint', srv.url, '--verbose'], { cwd: process.cwd(), stdio: 'inherit' });
child.on('exit', async (code) => { await sfn.close(); await srv.close(); console.log('exit', code); process.exit(0); });
