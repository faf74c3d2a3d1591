/**
 * CSV as RFC 4180 writes it (comma, CRLF, fields quoted when they hold a quote, comma or line
 * break), with formula injection neutralised (OWASP "CSV Injection"): a cell that starts with
 * `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so a spreadsheet shows it
 * as text instead of running it. Numbers and booleans the platform itself writes are not cells a
 * client controls, but they are treated the same way for simplicity (a negative number would gain
 * a `'`); the exports write none.
 */
const DANGEROUS = /^[=+\-@\t\r]/;

export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = Array.isArray(value) ? value.join(';') : String(value);
  if (DANGEROUS.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const csvRow = (values: unknown[]): string => `${values.map(csvCell).join(',')}\r\n`;
