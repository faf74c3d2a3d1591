import { readdirSync, readFileSync } from 'node:fs';
import { LocalStepFunctions } from '../local-stepfunctions';
function sortKeys(v: unknown): unknown { if (Array.isArray(v)) return v.map(sortKeys); if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])); return v; }
const sfn = new LocalStepFunctions({ invokeFunction: async () => ({}), waitScale: 0 });
const ctx = { caller: 't' };
const root = '../shared/corpus/asl';
let n = 0, same = 0;
for (const f of readdirSync(root).filter((x) => x.endsWith('.json')).sort()) {
  const doc = JSON.parse(readFileSync(`${root}/${f}`, 'utf8'));
  for (const c of doc.cases) {
    if (!c.history) continue;
    n++;
    const def = c.definition ?? doc.definition;
    const sm = (await sfn.handle('CreateStateMachine', { name: `h${n}`, definition: JSON.stringify(def), roleArn: 'arn:aws:iam::1:role/x' }, ctx)) as { stateMachineArn: string };
    const ex = (await sfn.handle('StartExecution', { stateMachineArn: sm.stateMachineArn, input: JSON.stringify(c.input ?? {}) }, ctx)) as { executionArn: string };
    await sfn.waitForExecution(ex.executionArn, { timeoutMs: 10000 });
    const h = (await sfn.handle('GetExecutionHistory', { executionArn: ex.executionArn, maxResults: 1000 }, ctx)) as { events: Array<Record<string, unknown>> };
    const byId = new Map(h.events.map((e) => [e.id, e]));
    const diffs: string[] = [];
    for (const e of c.history as Array<Record<string, unknown>>) {
      if (e.id === 0 || Array.isArray(e.id)) continue;
      const g = byId.get(e.id);
      if (!g || g.type !== e.type || g.previousEventId !== e.previousEventId) diffs.push(`${e.id}:${e.type}<${e.previousEventId} vs ${g?.type}<${g?.previousEventId}`);
      for (const [k, v] of Object.entries(e)) {
        if (!k.endsWith('EventDetails')) continue;
        const mine = { ...(g?.[k] as Record<string, unknown>) };
        for (const f of ['input', 'output']) if (typeof mine[f] === 'string') mine[f] = JSON.parse(mine[f] as string);
        const theirs = { ...(v as Record<string, unknown>) };
        delete theirs.roleArn; delete mine.roleArn;
        for (const f of ['input', 'output']) if (typeof theirs[f] === 'string' && typeof mine[f] !== 'string') { try { theirs[f] = JSON.parse(theirs[f] as string); } catch {} }
        if (JSON.stringify(sortKeys(mine)) !== JSON.stringify(sortKeys(theirs))) diffs.push(`${e.id} ${k}: ${JSON.stringify(theirs).slice(0,200)} vs ${JSON.stringify(mine).slice(0,200)}`);
      }
    }
    const last = (c.history as Array<Record<string, unknown>>).at(-1);
    if (h.events.length !== (typeof last?.id === 'number' ? last.id : -1)) diffs.push(`length ${h.events.length} vs ${last?.id}`);
    if (diffs.length === 0) same++; else console.log('DIFF', f, diffs.join(' | ').slice(0, 600));
  }
}
console.log(`${same}/${n}`);
await sfn.close();
