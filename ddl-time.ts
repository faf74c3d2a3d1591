import { readFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { MIGRATIONS } from '/work/main/services/reporting/db/migrations';

const bytes = readFileSync('/tmp/itsm-pglite-0.5.17-pristine.tar');
let t = performance.now();
const pg = await PGlite.create({ loadDataDir: new Blob([bytes]) });
console.log('load', Math.round(performance.now() - t));
t = performance.now();
for (const m of MIGRATIONS) for (const s of m.statements) await pg.query(s);
console.log('ddl', Math.round(performance.now() - t), MIGRATIONS[0]!.statements.length);
