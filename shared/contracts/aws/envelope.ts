import type * as z from 'zod/mini';

/**
 * The contract of an AWS service event as it arrives on the account's default bus: the service
 * owns `detail` (no platform `metadata` + `data`), so the contract is the schema of `detail`
 * itself. Schemas are lenient where AWS is (fields we do not use may come and go) and strict on
 * the fields a consumer uses.
 */
export interface AwsEventContract<D extends z.core.$ZodType = z.core.$ZodType> {
  /** `aws.<service>`: only AWS can put events with such a source on a bus. */
  source: `aws.${string}`;
  /** The service's `detail-type`, e.g. `CodePipeline Pipeline Execution State Change`. */
  detailType: string;
  description: string;
  /** Where AWS documents the event. */
  reference: string;
  detail: D;
  /**
   * The id that ties this event to others of the same piece of work (a pipeline execution, a
   * deployment): the consumer's correlation id, so one execution's events read as one chain.
   */
  correlate?(detail: z.infer<D>): string;
}

export function defineAwsEvent<D extends z.core.$ZodType>(c: AwsEventContract<D>): AwsEventContract<D> {
  return c;
}

export type AwsEventDetail<C> = C extends AwsEventContract<infer D> ? z.infer<D> : never;
