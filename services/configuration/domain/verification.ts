/** Verification campaigns (FitSM PR11.5: CMDB information is verified at planned intervals). */
export const VERIFICATION_RESULTS = ['confirmed', 'discrepancy'] as const;
export type VerificationResult = (typeof VERIFICATION_RESULTS)[number];
export const CAMPAIGN_STATUSES = ['open', 'closed'] as const;

export interface CampaignCounts {
  scopeSize: number;
  confirmed: number;
  discrepancies: number;
}

/**
 * Accuracy of a campaign: share of verified CIs whose record matched reality. CIs left
 * unverified are reported separately, not counted as accurate (that would flatter the CMDB).
 */
export function campaignFigures(c: CampaignCounts) {
  const verified = c.confirmed + c.discrepancies;
  return {
    scopeSize: c.scopeSize,
    confirmed: c.confirmed,
    discrepancies: c.discrepancies,
    unverified: Math.max(0, c.scopeSize - verified),
    accuracy: verified === 0 ? null : Math.round((c.confirmed / verified) * 10000) / 10000,
    coverage: c.scopeSize === 0 ? null : Math.round((verified / c.scopeSize) * 10000) / 10000,
  };
}

/** How recording a result changes the counters (a result can be corrected while the campaign is open). */
export function counterDelta(previous: VerificationResult | undefined, next: VerificationResult) {
  const delta = { confirmed: 0, discrepancies: 0 };
  if (previous === next) return delta;
  if (previous === 'confirmed') delta.confirmed -= 1;
  if (previous === 'discrepancy') delta.discrepancies -= 1;
  if (next === 'confirmed') delta.confirmed += 1;
  else delta.discrepancies += 1;
  return delta;
}
