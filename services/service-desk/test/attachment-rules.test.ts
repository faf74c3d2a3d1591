import { describe, expect, it } from 'vitest';
import { MAX_ATTACHMENT_BYTES, refuseStored, refuseUpload } from '../domain/attachment';

/** The pure rules of attachments (domain/attachment.ts): what may be uploaded and recorded. */
const fieldsOf = (u: { fileName: string; contentType: string; size: number }) => refuseUpload(u).map((f) => f.field);

describe('what may be uploaded', () => {
  it('accepts the listed types under their own extensions, whatever the case or parameters', () => {
    expect(fieldsOf({ fileName: 'Screen.PNG', contentType: 'image/png', size: 1 })).toEqual([]);
    expect(fieldsOf({ fileName: 'vpn.log', contentType: 'Text/Plain; charset=utf-8', size: 10 })).toEqual([]);
    expect(
      fieldsOf({
        fileName: 'plan.xlsx',
        contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        size: MAX_ATTACHMENT_BYTES,
      }),
    ).toEqual([]);
  });

  it('refuses what a browser would render or run, a name hiding another type, no extension, empty or too large', () => {
    expect(fieldsOf({ fileName: 'a.html', contentType: 'text/html', size: 1 })).toEqual(['contentType']);
    expect(fieldsOf({ fileName: 'a.svg', contentType: 'image/svg+xml', size: 1 })).toEqual(['contentType']);
    expect(fieldsOf({ fileName: 'a.js', contentType: 'application/javascript', size: 1 })).toEqual(['contentType']);
    expect(fieldsOf({ fileName: 'a.png.exe', contentType: 'image/png', size: 1 })).toEqual(['fileName']);
    expect(fieldsOf({ fileName: '.png', contentType: 'image/png', size: 1 })).toEqual(['fileName']);
    expect(fieldsOf({ fileName: 'a.png', contentType: 'image/png', size: 0 })).toEqual(['size']);
    expect(fieldsOf({ fileName: 'a.png', contentType: 'image/png', size: MAX_ATTACHMENT_BYTES + 1 })).toEqual(['size']);
  });
});

describe('what may be recorded', () => {
  it('is exactly the declared size and media type', () => {
    const declared = { contentType: 'image/png', size: 10 };
    expect(refuseStored(declared, { contentType: 'image/png', size: 10 })).toEqual([]);
    expect(refuseStored(declared, { contentType: 'IMAGE/PNG; x=y', size: 10 })).toEqual([]);
    expect(refuseStored(declared, { contentType: 'image/png', size: 11 }).map((f) => f.field)).toEqual(['size']);
    expect(refuseStored(declared, { contentType: 'text/html', size: 10 }).map((f) => f.field)).toEqual(['contentType']);
  });
});
