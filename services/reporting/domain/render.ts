/**
 * Rendering a report's table (FitSM PR3.3: reports are produced in the agreed format): CSV for the
 * data and an HTML summary for the mail body.
 *
 * CSV cells that a spreadsheet would take as a formula are neutralised with a leading `'` (OWASP
 * "CSV Injection": cells beginning with `=`, `+`, `-`, `@`, tab or carriage return). A ticket title
 * is typed by anyone who can raise a ticket; opened in Excel, `=HYPERLINK(...)` would run.
 * Numbers we compute ourselves are written as numbers, so a negative figure stays a number.
 */
export type Cell = string | number | boolean | null | undefined;

export interface Table {
  columns: string[];
  rows: Cell[][];
}

const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell as a spreadsheet will read it safely. */
export function neutralise(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? neutralise(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV (CRLF line ends), header first. */
export function toCsv(table: Table): string {
  const lines = [table.columns, ...table.rows].map((row) => row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export function escapeHtml(value: Cell): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export interface Summary {
  title: string;
  /** Lines above the table: period, figure, row count, where the full file is. */
  facts: { label: string; value: Cell }[];
  table: Table;
  /** Rows shown in the body; the full data is in the CSV. */
  firstRows: number;
}

/** The HTML summary mailed with a report: its facts and the first rows of its table. */
export function toHtml(s: Summary): string {
  const shown = s.table.rows.slice(0, s.firstRows);
  const facts = s.facts.map(
    (f) => `<tr><th align="left">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`,
  );
  const head = s.table.columns.map((c) => `<th align="left">${escapeHtml(c)}</th>`).join('');
  const body = shown.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  const more =
    s.table.rows.length > shown.length
      ? `<p>${shown.length} of ${s.table.rows.length} rows shown; the CSV has them all.</p>`
      : '';
  return [
    '<!doctype html><html><body>',
    `<h1>${escapeHtml(s.title)}</h1>`,
    `<table>${facts.join('')}</table>`,
    `<table border="1" cellpadding="4" cellspacing="0"><thead><tr>${head}</tr></thead><tbody>`,
    body,
    '</tbody></table>',
    more,
    '</body></html>',
  ].join('\n');
}

/** The plain-text alternative of the same summary (mail clients that do not show HTML). */
export function toText(s: Summary): string {
  const shown = s.table.rows.slice(0, s.firstRows);
  const lines = [
    s.title,
    '',
    ...s.facts.map((f) => `${f.label}: ${f.value ?? ''}`),
    '',
    s.table.columns.join(' | '),
    ...shown.map((r) => r.map((c) => String(c ?? '')).join(' | ')),
  ];
  if (s.table.rows.length > shown.length) lines.push(`(${shown.length} of ${s.table.rows.length} rows shown)`);
  return lines.join('\n');
}
