import { hasAnyRole, type Principal } from '../../shared/kit/auth';
import { ForbiddenError } from '../../shared/kit/errors';
import { ADMINS } from './service';
import type { Service } from './store';

/**
 * Record-level rules. Process staff may change only services they own (FitSM-3: the service
 * owner is accountable for the service); the portfolio manager and owner may change any.
 */
export function assertCanChange(p: Principal, s: Service): void {
  if (hasAnyRole(p, ADMINS)) return;
  if (s.owner === p.id) return;
  throw new ForbiddenError('Only the portfolio manager or the service owner may change this service.');
}
