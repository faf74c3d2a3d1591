import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the local S3 keeps objects: in memory, or in data mode one file per object under
 * `<dataDir>/s3/<bucket>/`, written whole to a temporary file, flushed to disk and renamed over the
 * old one before the PutObject is answered, so an acknowledged write survives kill -9 and a
 * reader never sees half an object. The file holds a 4-byte length, the object's metadata as
 * JSON, then its bytes; its name is the SHA-256 of the key (keys are up to 1,024 bytes of any
 * characters, file names are not) and the version's time. The metadata of every object is held in
 * memory; the bytes of a kept object are read from its file when asked for.
 *
 * A versioned bucket keeps every version of a key, oldest first, each in its own file (a delete
 * marker is a version without bytes); only deleting that version by its id removes its file.
 */
export interface ObjectMeta {
  key: string;
  size: number;
  /** The quoted MD5 of the bytes, as S3 gives it for a single-part upload. */
  etag: string;
  lastModified: number;
  /** Content-Type, Content-Disposition, Content-Encoding, Cache-Control, Content-Language, Expires as sent. */
  headers: Record<string, string>;
  /** User metadata (`x-amz-meta-*`), names lower case without the prefix. */
  metadata: Record<string, string>;
  /** Checksums the upload carried and S3 verified, by algorithm (base64). */
  checksums: Record<string, string>;
  /** The version's id in a versioned bucket; none in an unversioned one (S3's `null` version). */
  versionId?: string;
  /** A delete marker: a version without bytes that makes a plain GET answer 404. */
  deleteMarker?: boolean;
  /** The Object Lock retention the bucket's default gave this version: no delete before `retainUntil`. */
  lock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; retainUntil: number };
}

/** One version of an object as stored: what a reader holds while it reads, whatever writers do meanwhile. */
export interface StoredObject {
  meta: ObjectMeta;
  /** The bytes, in memory mode. */
  body?: Buffer;
  /** Its file and where its bytes start, in data mode. */
  file?: string;
  offset?: number;
}

export class BucketStore {
  /** The versions of each key, oldest first; an unversioned bucket holds one per key. */
  private readonly objects = new Map<string, StoredObject[]>();
  /** Writes and deletes of a key, one after another, so the index always names the newest file. */
  private readonly writing = new Map<string, Promise<unknown>>();
  private sequence = 0;

  constructor(
    readonly name: string,
    /** The bucket's folder in data mode; undefined keeps objects in memory. */
    private readonly dir?: string,
    /** Keep every version (S3 Versioning) instead of replacing the object. */
    readonly versioned = false,
  ) {
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    // Each version has its own file (`<sha256 of key>.<time>-<sequence>.obj`), so sorted names are
    // versions in the order they were written. Unversioned, a crash between a rename and the unlink
    // of the version it replaced leaves both: the later name wins.
    for (const f of readdirSync(dir).sort()) {
      const file = join(dir, f);
      // A temporary file is a write that was never acknowledged.
      if (f.endsWith('.tmp')) rmSync(file, { force: true });
      else if (f.endsWith('.obj')) {
        const { meta, offset } = readHeader(file);
        const versions = this.objects.get(meta.key) ?? [];
        if (!versioned) {
          for (const older of versions) if (older.file) rmSync(older.file, { force: true });
          versions.length = 0;
        }
        versions.push({ meta, file, offset });
        this.objects.set(meta.key, versions);
      }
    }
  }

  /** The object's current version (in a versioned bucket possibly a delete marker). */
  get(key: string): StoredObject | undefined {
    return this.objects.get(key)?.at(-1);
  }

  /** One version of a key by its id. */
  version(key: string, versionId: string): StoredObject | undefined {
    return this.objects.get(key)?.find((v) => v.meta.versionId === versionId);
  }

  /** Every version of a key, oldest first. */
  versions(key: string): readonly StoredObject[] {
    return this.objects.get(key) ?? [];
  }

  /**
   * The bytes `start` to `end` inclusive of a version; undefined when that version was replaced or
   * deleted before its file could be opened (once open, a file outlives its unlink).
   */
  async read(object: StoredObject, start: number, end: number): Promise<Buffer | undefined> {
    if (object.body) return object.body.subarray(start, end + 1);
    const length = end + 1 - start;
    const out = Buffer.alloc(Math.max(0, length));
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(object.file!, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(out, done, length - done, object.offset! + start + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
    } finally {
      await handle.close();
    }
    return out;
  }

  put(meta: ObjectMeta, body: Buffer): Promise<void> {
    return this.serialised(meta.key, async () => {
      const dir = this.dir;
      if (!dir) {
        await this.add({ meta, body });
        return;
      }
      const version = `${String(Date.now()).padStart(15, '0')}-${String(this.sequence++).padStart(9, '0')}`;
      const file = join(dir, `${createHash('sha256').update(meta.key).digest('hex')}.${version}.obj`);
      const header = Buffer.from(JSON.stringify(meta), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(header.length);
      const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
      const handle = await open(tmp, 'wx');
      try {
        await handle.writev([length, header, body]);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, file);
      await syncDir(dir);
      this.add({ meta, file, offset: 4 + header.length });
    });
  }

  /** A new version: the last of its key's, or the only one in an unversioned bucket. */
  private async add(object: StoredObject): Promise<void> {
    const versions = this.objects.get(object.meta.key) ?? [];
    const replaced = this.versioned ? [] : versions.splice(0);
    versions.push(object);
    this.objects.set(object.meta.key, versions);
    for (const older of replaced) if (older.file) await removeFile(older.file);
  }

  /**
   * Deletes the key's only version (unversioned buckets); with `only`, only while that version is
   * still the current one (the lifecycle's case).
   */
  delete(key: string, only?: ObjectMeta): Promise<void> {
    return this.serialised(key, async () => {
      const entry = this.get(key);
      if (!entry || (only && entry.meta !== only)) return;
      await this.remove(key, entry);
    });
  }

  /**
   * Removes one version of a versioned key for good, when `allowed` (called under the key's lock,
   * with the version) says so; answers the version removed, undefined when there is none.
   */
  deleteVersion(
    key: string,
    versionId: string,
    allowed: (version: StoredObject) => void = () => {},
  ): Promise<StoredObject | undefined> {
    let removed: StoredObject | undefined;
    return this.serialised(key, async () => {
      const entry = this.version(key, versionId);
      if (!entry) return;
      allowed(entry);
      await this.remove(key, entry);
      removed = entry;
    }).then(() => removed);
  }

  private async remove(key: string, entry: StoredObject): Promise<void> {
    const versions = (this.objects.get(key) ?? []).filter((v) => v !== entry);
    if (versions.length) this.objects.set(key, versions);
    else this.objects.delete(key);
    if (entry.file) {
      await removeFile(entry.file);
      await syncDir(this.dir!);
    }
  }

  /** Every key, in S3's listing order (UTF-8 bytes, ascending). */
  keys(): string[] {
    return [...this.objects.keys()].sort(compareKeys);
  }

  private serialised(key: string, work: () => Promise<void>): Promise<void> {
    const run = (this.writing.get(key) ?? Promise.resolve()).then(work);
    const settled = run.catch(() => undefined);
    this.writing.set(key, settled);
    void settled.then(() => {
      if (this.writing.get(key) === settled) this.writing.delete(key);
    });
    return run;
  }
}

const removeFile = (file: string) =>
  unlink(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
  });

/** S3 lists keys in ascending UTF-8 binary order, which differs from UTF-16 order above U+FFFF. */
export const compareKeys = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function readHeader(file: string): { meta: ObjectMeta; offset: number } {
  const fd = openSync(file, 'r');
  try {
    const length = Buffer.alloc(4);
    readSync(fd, length, 0, 4, 0);
    const header = Buffer.alloc(length.readUInt32BE());
    readSync(fd, header, 0, header.length, 4);
    return { meta: JSON.parse(header.toString('utf8')) as ObjectMeta, offset: 4 + header.length };
  } finally {
    closeSync(fd);
  }
}

/** A rename or unlink is durable once the folder holding it is flushed. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
