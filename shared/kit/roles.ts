/**
 * Roles follow FitSM-3 (SMS-wide, process-scoped, plus customer users and auditors).
 * On AWS they are Cognito user pool groups, carried in the `cognito:groups` claim.
 * Process-scoped roles are `<process>-owner` and `<process>-manager` (e.g. `configuration-manager`).
 * Object-scoped rights (case owner, CI owner) are decided per record by the service, not here.
 */
export const PROCESSES = [
  'portfolio',
  'service-level',
  'reporting',
  'availability',
  'capacity',
  'security',
  'customers',
  'suppliers',
  'service-desk',
  'problems',
  'configuration',
  'changes',
  'releases',
  'improvement',
  'management',
] as const;
export type Process = (typeof PROCESSES)[number];

export const GENERIC_ROLES = ['sms-owner', 'sms-manager', 'process-staff', 'customer-user', 'auditor'] as const;
export type GenericRole = (typeof GENERIC_ROLES)[number];
export type Role = GenericRole | `${Process}-owner` | `${Process}-manager`;

export const ALL_ROLES: readonly Role[] = [
  ...GENERIC_ROLES,
  ...PROCESSES.flatMap((p) => [`${p}-owner` as const, `${p}-manager` as const]),
];

export const isRole = (value: string): value is Role => (ALL_ROLES as readonly string[]).includes(value);

/** Roles that may read everything (governance and audit). */
export const GOVERNANCE_READERS: readonly Role[] = ['sms-owner', 'sms-manager', 'auditor'];
