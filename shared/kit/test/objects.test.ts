import { describe, expect, it } from 'vitest';
import { attachment, presignedGet, s3ClientConfig } from '../objects';

/**
 * The kit's S3 adapter without the runtime: the client's addressing and what a presigned link
 * accepts. The links themselves are fetched against the local S3 in infra/local/test/s3.test.ts.
 */
describe('the S3 client configuration', () => {
  it('uses path-style addressing only when an endpoint URL is configured', () => {
    // Act / Assess
    expect(s3ClientConfig({ AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' })).toEqual({ forcePathStyle: true });
    expect(s3ClientConfig({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4566' })).toEqual({ forcePathStyle: true });
    expect(s3ClientConfig({})).toEqual({});
  });
});

describe('presigned download links', () => {
  it('refuses an expiry outside 1 s to seven days before signing anything', async () => {
    // Act / Assess
    for (const expiresInSeconds of [0, -5, 1.5, 604_801]) {
      await expect(presignedGet('b', 'k', { expiresInSeconds })).rejects.toThrow(/expiresInSeconds/);
    }
  });

  it('names the download twice, plain ASCII and UTF-8, with nothing that could break the header', () => {
    // Act
    const header = attachment('Report "Q1"\r\nX-Evil: 1 – März.csv');
    // Assess
    expect(header).toBe(
      `attachment; filename="Report _Q1___X-Evil: 1 _ M_rz.csv"; filename*=UTF-8''Report%20%22Q1%22%0D%0AX-Evil%3A%201%20%E2%80%93%20M%C3%A4rz.csv`,
    );
    expect(header).not.toMatch(/[\r\n]/);
  });
});
