import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AwsError, type AwsService, type CallContext, type RecordedCall } from './aws-service';
import * as names from './names';

/**
 * Secrets Manager for the local runtime (awsJson 1.1, `X-Amz-Target: secretsmanager.<Action>`):
 * `GetSecretValue` and `PutSecretValue` on the secrets the runtime creates, today only the
 * cursor key secret (ADR 19). The deployment generates that secret at deploy; here it is created
 * on first start, in `<dataDir>/cursor-key.json` (mode 0600, as it is a key), or per runtime in
 * memory. Functions read it with the unchanged SDK, so the IAM action and resource they use
 * are recorded for the fidelity proof. `PutSecretValue` is how an operator rotates it, on AWS
 * and here.
 */
interface Stored {
  value: string;
  versionId: string;
  createdAt: number;
}

/** A new cursor key secret: `{"current": <64 random characters>}`, like the stack's generated one. */
export const newCursorKeySecret = () => JSON.stringify({ current: randomBytes(48).toString('base64url') });

export class LocalSecretsManager implements AwsService {
  readonly targetPrefix = 'secretsmanager';
  private readonly secrets = new Map<string, Stored>();
  /** Where each secret kept in the data folder lives (the cursor key, the query stores' users). */
  private readonly files = new Map<string, string>();

  constructor(
    private readonly options: {
      /** Where the cursor key secret is kept; undefined keeps a fresh one in memory. */
      cursorKeyFile?: string;
      record?: (call: RecordedCall) => void;
    } = {},
  ) {
    const file = options.cursorKeyFile;
    let value: string;
    if (file && existsSync(file)) value = readFileSync(file, 'utf8');
    else {
      value = newCursorKeySecret();
      if (file) this.write(file, value);
    }
    this.secrets.set(names.CURSOR_KEY_SECRET, { value, versionId: crypto.randomUUID(), createdAt: Date.now() });
    if (file) this.files.set(names.CURSOR_KEY_SECRET, file);
  }

  /**
   * Creates a secret as the stack would at deploy (e.g. a query store user's
   * `{"username","password"}`), unless it exists: kept in `file` (mode 0600) when given, so a
   * restart finds the same value; otherwise `generate`d in memory. Answers its value.
   */
  ensure(name: string, generate: () => string, file?: string): string {
    const known = this.secrets.get(name);
    if (known) return known.value;
    let value: string;
    if (file && existsSync(file)) value = readFileSync(file, 'utf8');
    else {
      value = generate();
      if (file) this.write(file, value);
    }
    if (file) this.files.set(name, file);
    this.secrets.set(name, { value, versionId: crypto.randomUUID(), createdAt: Date.now() });
    return value;
  }

  /** The current value of a secret (tests sign their own cursors with it). */
  value(name: string): string | undefined {
    return this.secrets.get(name)?.value;
  }

  async handle(action: string, input: Record<string, unknown>, ctx: CallContext): Promise<unknown> {
    const id = String(input.SecretId ?? '');
    // SecretId is a name or an ARN; ours have no random suffix (names.secretArn).
    const name = id.startsWith('arn:') ? id.slice(id.indexOf(':secret:') + ':secret:'.length) : id;
    const stored = this.secrets.get(name);
    const arn = names.secretArn(name);
    switch (action) {
      case 'GetSecretValue': {
        this.options.record?.({ caller: ctx.caller, action: 'secretsmanager:GetSecretValue', resource: arn });
        if (!stored) throw notFound();
        return {
          ARN: arn,
          Name: name,
          VersionId: stored.versionId,
          SecretString: stored.value,
          VersionStages: ['AWSCURRENT'],
          CreatedDate: stored.createdAt / 1000,
        };
      }
      case 'PutSecretValue': {
        this.options.record?.({ caller: ctx.caller, action: 'secretsmanager:PutSecretValue', resource: arn });
        if (!stored) throw notFound();
        if (typeof input.SecretString !== 'string' || input.SecretString === '')
          throw new AwsError('InvalidParameterException', 'SecretString is required.');
        const next = { value: input.SecretString, versionId: crypto.randomUUID(), createdAt: Date.now() };
        const file = this.files.get(name);
        if (file) this.write(file, next.value);
        this.secrets.set(name, next);
        return { ARN: arn, Name: name, VersionId: next.versionId, VersionStages: ['AWSCURRENT'] };
      }
      default:
        throw new AwsError('UnknownOperationException', `Secrets Manager action ${action} is not emulated locally.`);
    }
  }

  /** Written whole and renamed into place, readable by its owner only. */
  private write(file: string, value: string): void {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, value, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, file);
  }
}

const notFound = () => new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
