/** Errors of the pattern engine, with the messages AWS returns for the same input. */

const PATTERN_PREFIX = 'Event pattern is not valid. Reason: ';

/** An event pattern EventBridge rejects (`InvalidEventPatternException`). */
export class InvalidPatternError extends Error {
  /** The reason alone, without AWS's prefix and without the source location. */
  readonly reason: string;

  constructor(detail: string) {
    super(PATTERN_PREFIX + detail);
    this.name = 'InvalidPatternError';
    this.reason = detail.split('\n at [Source:')[0] ?? detail;
  }
}

/** An event TestEventPattern rejects (AWS answers `ValidationException`). */
export class InvalidEventError extends Error {
  constructor(message = 'Parameter Event is not valid.') {
    super(message);
    this.name = 'InvalidEventError';
  }
}
