// One query store cluster's PostgreSQL: PGlite in its own worker thread (ADR 26), so its
// WebAssembly heap and its queries stay off the runtime's main thread, and pausing the cluster
// (terminating this worker) gives the memory back. The main thread (cluster.ts) speaks the Data
// API; this side only logs users in, runs SQL as them and answers rows as PostgreSQL's text.
import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { PGlite, types } from '@electric-sql/pglite';

/** `dataDir`: the cluster's folder (data mode); `dump`: its files as a tarball (memory mode, after a pause). */
const { dataDir, dump, ownerPassword, pristine } = workerData;

// A fresh cluster, in memory or in a data folder that holds no database yet (`npm start`'s first
// start, a test's seeded folder), loads the kept copy of a just-initialised one (cluster.ts,
// PRISTINE) instead of running initdb; PGlite writes it into the folder.
let initial = dump;
let fromPristine = false;
if (!initial && pristine && !(dataDir && existsSync(join(dataDir, 'PG_VERSION')))) {
  try {
    const bytes = readFileSync(pristine);
    initial = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    fromPristine = true;
  } catch {
    // Not written yet: this cluster initialises and writes it below.
  }
}

// Every column as PostgreSQL's text output (PGlite parses the types it has a parser for, arrays
// included, so every built-in OID gets the identity):
// the main thread shapes the Data API's fields from it. Parameters arrive as text already (or
// null), typed by `paramTypes`, as the Data API's driver sends them.
const same = (value) => value;
const text = Object.fromEntries(Array.from({ length: 16_384 }, (_, oid) => [oid, same]));
const asText = Object.fromEntries(Object.keys(types.serializers).map((oid) => [oid, same]));

const pg = await PGlite.create({
  parsers: text,
  serializers: asText,
  ...(dataDir ? { dataDir } : {}),
  ...(initial ? { loadDataDir: new Blob([initial]) } : {}),
});
if (!dataDir && !dump && pristine && !fromPristine) {
  try {
    const files = Buffer.from(await (await pg.dumpDataDir('none')).arrayBuffer());
    const tmp = `${pristine}.${process.pid}.${threadId}.tmp`;
    writeFileSync(tmp, files);
    renameSync(tmp, pristine);
  } catch {
    // Only a speed-up: the next cluster initialises again.
  }
}
// Aurora answers timestamps in UTC; the session's zone decides how timestamptz is printed.
await pg.exec(`SET TimeZone = 'UTC'; ALTER ROLE postgres LOGIN PASSWORD ${literal(ownerPassword)}`);

const query = (sql, params = [], paramTypes) =>
  pg.query(sql, params, { rowMode: 'array', ...(paramTypes ? { paramTypes } : {}) });

function literal(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}
function ident(value) {
  return `"${String(value).replaceAll('"', '""')}"`;
}

class PgError extends Error {
  constructor(message, code, severity = 'FATAL') {
    super(message);
    this.code = code;
    this.severity = severity;
  }
}

/**
 * A login as PostgreSQL checks it: the role exists, may log in, and the password matches its
 * stored SCRAM-SHA-256 (or md5) verifier. PostgreSQL gives the same answer for a missing role
 * and a wrong password.
 */
async function login(user, password) {
  const found = await query('SELECT rolcanlogin, rolpassword FROM pg_authid WHERE rolname = $1', [user], [25]);
  const row = found.rows[0];
  const failed = new PgError(`password authentication failed for user "${user}"`, '28P01');
  if (!row || typeof password !== 'string' || !verify(row[1], user, password)) throw failed;
  if (row[0] !== 't') throw new PgError(`role "${user}" is not permitted to log in`, '28000');
}

function verify(stored, user, password) {
  if (!stored) return false;
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(stored);
  if (scram) {
    const salted = pbkdf2Sync(password, Buffer.from(scram[2], 'base64'), Number(scram[1]), 32, 'sha256');
    const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest();
    const expected = Buffer.from(scram[3], 'base64');
    return expected.length === storedKey.length && timingSafeEqual(expected, storedKey);
  }
  if (stored.startsWith('md5'))
    return (
      stored ===
      `md5${createHash('md5')
        .update(password + user)
        .digest('hex')}`
    );
  return false;
}

/** Type names by OID (with the element type's for arrays), read from the catalogue once each. */
const typeNames = new Map();
async function describe(fields) {
  const unknown = [...new Set(fields.map((f) => f.dataTypeID).filter((oid) => !typeNames.has(oid)))];
  if (unknown.length) {
    const found = await query(
      'SELECT t.oid::text, t.typname, e.typname FROM pg_type t LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = $2 WHERE t.oid::text = ANY(string_to_array($1, $3))',
      [unknown.join(','), 'A', ','],
      [25, 25, 25],
    );
    for (const [oid, name, elem] of found.rows)
      typeNames.set(Number(oid), { typeName: name, elementType: elem ?? undefined });
  }
  return fields.map((f) => ({
    name: f.name,
    dataTypeID: f.dataTypeID,
    ...(typeNames.get(f.dataTypeID) ?? { typeName: 'unknown' }),
  }));
}

const shape = async (r) => ({
  fields: r.fields.length ? await describe(r.fields) : [],
  rows: r.rows,
  affectedRows: r.affectedRows ?? 0,
});

async function asUser(auth, work) {
  await login(auth.user, auth.password);
  await pg.exec(`SET SESSION AUTHORIZATION ${ident(auth.user)}`);
  try {
    return await work();
  } finally {
    await pg.exec('SET SESSION AUTHORIZATION postgres');
  }
}

const ops = {
  /** One statement, as `auth`'s user, or in the open transaction when `auth` is absent. */
  async statement({ auth, sql, params, paramTypes }) {
    const run = async () => shape(await query(sql, params, paramTypes));
    return auth ? asUser(auth, run) : run();
  },
  /** The statement once per parameter set; in its own transaction unless one is open (`auth` absent). */
  async batch({ auth, sql, sets }) {
    const runAll = async () => {
      const out = [];
      for (const s of sets) out.push(await shape(await query(sql, s.params, s.paramTypes)));
      return out;
    };
    if (!auth) return runAll();
    return asUser(auth, async () => {
      await pg.exec('BEGIN');
      try {
        const out = await runAll();
        await pg.exec('COMMIT');
        return out;
      } catch (err) {
        await pg.exec('ROLLBACK');
        throw err;
      }
    });
  },
  async begin({ auth }) {
    await login(auth.user, auth.password);
    await pg.exec(`SET SESSION AUTHORIZATION ${ident(auth.user)}; BEGIN`);
    return {};
  },
  /**
   * Ends the open transaction (ROLLBACK also clears one a failed statement aborted) and the
   * user's session. (PGlite's RESET SESSION AUTHORIZATION keeps the user; naming postgres works.)
   */
  async end({ commit }) {
    try {
      await pg.exec(commit ? 'COMMIT' : 'ROLLBACK');
    } finally {
      await pg.exec('SET SESSION AUTHORIZATION postgres');
    }
    return {};
  },
  /** Closes PGlite; in memory mode answers its files, which the next resume loads. */
  async close() {
    const files = dataDir ? undefined : await (await pg.dumpDataDir('none')).arrayBuffer();
    await pg.close();
    return files ? { dump: files } : {};
  },
};

parentPort.on('message', async (msg) => {
  try {
    const result = await ops[msg.op](msg);
    parentPort.postMessage({ id: msg.id, result }, result?.dump ? [result.dump] : []);
  } catch (err) {
    const e = err ?? {};
    parentPort.postMessage({
      id: msg.id,
      error: { message: String(e.message ?? e), code: e.code, severity: e.severity, position: e.position },
    });
  }
});
parentPort.postMessage({ ready: true });
