import { PGlite } from '@electric-sql/pglite';

let t = performance.now();
const a = await PGlite.create();
console.log('initdb', Math.round(performance.now() - t));
const dump = await (await a.dumpDataDir('none')).arrayBuffer();
console.log('dump bytes', dump.byteLength, Math.round(performance.now() - t));
await a.close();
t = performance.now();
const b = await PGlite.create({ loadDataDir: new Blob([dump]) });
console.log('load', Math.round(performance.now() - t));
await b.query('select 1');
const gz = await (await b.dumpDataDir('gzip')).arrayBuffer();
console.log('gzip bytes', gz.byteLength);
t = performance.now();
const c = await PGlite.create({ loadDataDir: new Blob([gz]) });
console.log('load gz', Math.round(performance.now() - t));
