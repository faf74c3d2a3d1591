import { systemContext } from '../../../shared/kit/context';
import { functionHandler } from '../../../shared/kit/handlers';
import { autoClose } from '../use-cases/closure';

/** The hourly auto-close schedule (FitSM PR9.5). */
export const handler = functionHandler(() => autoClose(systemContext('service-desk-auto-close')));
