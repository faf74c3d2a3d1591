import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { AwsEventContract } from '../contracts/aws/envelope';
import { type OperationContext, systemContext } from './context';
import { requireEnv } from './env';
import { logger } from './logger';
import { DuplicateEventError, Store } from './store';
import { withUsage } from './usage';
import { issuesToFields } from './validation';

/**
 * AWS service events (CodePipeline, CodeDeploy, ...) into a consumer. They arrive on the account's
 * default bus with the service's own `detail`, not the platform's `metadata` + `data` envelope,
 * so `eventConsumer` cannot read them; this is its counterpart:
 *
 * - the event's `detail` is validated with the contract of its (source, detail-type)
 *   (`shared/contracts/aws/`); an event that breaks it is logged and thrown, so EventBridge's
 *   retries and then the dead-letter queue keep it, never silently dropped;
 * - it is idempotent on the AWS event id through the consumer's inbox, exactly as an `inbox`
 *   platform consumer: a known id is skipped, the handler's unit of work records the marker
 *   (`handles: handled(ctx)`, or `recordHandled` when there is nothing to do), and a handler that
 *   returns without recording it fails. AWS services deliver at least once (CodePipeline says so),
 *   and EventBridge may deliver twice, so both duplicates end here;
 * - the handler gets the parsed detail and a system context whose correlation id is the
 *   contract's `correlate` (the pipeline execution, the deployment) and whose causation is the
 *   event id.
 */
export interface AwsEvent<D = unknown> {
  id: string;
  source: string;
  detailType: string;
  account: string;
  region: string;
  /** When the service says the change happened (ISO 8601, to the second). */
  time: string;
  resources: string[];
  detail: D;
}

export type AwsEventHandler<D> = (event: AwsEvent<D>, ctx: OperationContext) => Promise<void>;

export interface AwsEventHandling {
  contract: AwsEventContract;
  handle: AwsEventHandler<unknown>;
}

/** Pair a contract with its handler, typed by the contract's detail. */
export function on<D extends z.core.$ZodType>(
  contract: AwsEventContract<D>,
  handle: AwsEventHandler<z.infer<D>>,
): AwsEventHandling {
  return { contract: contract as unknown as AwsEventContract, handle: handle as AwsEventHandler<unknown> };
}

/** Thrown for an event no contract of the consumer describes, or one that breaks its contract. */
export class AwsEventContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AwsEventContractError';
  }
}

const Envelope = z.looseObject({
  id: z.string().check(z.minLength(1), z.maxLength(256)),
  source: z.string(),
  'detail-type': z.string(),
  account: z.optional(z.string()),
  region: z.optional(z.string()),
  time: z.optional(z.string()),
  resources: z.optional(z.array(z.string())),
  detail: z.record(z.string(), z.unknown()),
});

/**
 * Parse an AWS service event against the contracts a consumer knows. Throws
 * `AwsEventContractError` for an unknown (source, detail-type) or a detail that breaks its contract.
 */
export function receiveAwsEvent(
  raw: unknown,
  contracts: readonly AwsEventContract[],
): { contract: AwsEventContract; event: AwsEvent } {
  const envelope = z.safeParse(Envelope, raw);
  if (!envelope.success)
    throw new AwsEventContractError(
      `not an EventBridge event: ${JSON.stringify(issuesToFields(envelope.error.issues))}`,
    );
  const e = envelope.data;
  const contract = contracts.find((c) => c.source === e.source && c.detailType === e['detail-type']);
  if (!contract) throw new AwsEventContractError(`no contract for ${e.source} ${e['detail-type']}`);
  const detail = z.safeParse(contract.detail, e.detail);
  if (!detail.success) {
    const fields = issuesToFields(detail.error.issues, 'detail');
    throw new AwsEventContractError(
      `event ${e.id} (${e['detail-type']}) breaks its contract: ${JSON.stringify(fields)}`,
    );
  }
  return {
    contract,
    event: {
      id: e.id,
      source: e.source,
      detailType: e['detail-type'],
      account: e.account ?? '',
      region: e.region ?? '',
      time: e.time ?? '',
      resources: e.resources ?? [],
      detail: detail.data,
    },
  };
}

/**
 * Build a consumer of AWS service events. Errors are thrown, never swallowed: EventBridge retries
 * and then dead-letters.
 *
 * @example
 * export const handler = awsEventConsumer('releases-cicd', [
 *   on(PipelineExecutionStateChange, async (event, ctx) => applyExecution(ctx, event.detail)),
 * ]);
 */
export function awsEventConsumer(consumer: string, handlings: readonly AwsEventHandling[]) {
  const store = new Store(requireEnv('TABLE_NAME'));
  const contracts = handlings.map((h) => h.contract);
  const consume = async (raw: EventBridgeEvent<string, unknown>) => {
    let received: ReturnType<typeof receiveAwsEvent>;
    try {
      received = receiveAwsEvent(raw, contracts);
    } catch (err) {
      logger.error('AWS event refused', { eventId: raw?.id, detailType: raw?.['detail-type'], error: err as Error });
      throw err;
    }
    const { contract, event } = received;
    const handling = handlings.find((h) => h.contract === contract)!;
    const correlationId = contract.correlate?.(event.detail) ?? event.id;
    logger.appendKeys({ correlationId, eventId: event.id });
    try {
      if (await store.seen(event.id)) {
        logger.info('duplicate event skipped', { detailType: event.detailType });
        return;
      }
      const ctx: OperationContext = systemContext(consumer, correlationId, event.id);
      ctx.inbox = { eventId: event.id, recorded: false };
      await handling.handle(event, ctx);
      // Without the marker a redelivery would do the work again: a bug, so the event is retried and dead-lettered.
      if (!ctx.inbox.recorded)
        throw new Error(`${consumer} handled ${event.detailType} without recording it in its inbox`);
    } catch (err) {
      if (err instanceof DuplicateEventError) {
        logger.info('duplicate event lost the race and was skipped', { detailType: event.detailType });
        return;
      }
      throw err;
    } finally {
      logger.removeKeys(['correlationId', 'eventId']);
    }
  };
  return middy<EventBridgeEvent<string, unknown>, void, Error, Context>()
    .use(injectLambdaContext(logger))
    .handler((raw) => withUsage(() => consume(raw)));
}
