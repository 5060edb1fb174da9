// Release dates as written in headings, normalised to ISO `YYYY-MM-DD`.

/** How to read `01/02/2024` when neither number exceeds 12; learned from the file's unambiguous dates. */
export type DayMonthOrder = 'dmy' | 'mdy' | null;

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, sept: 9, oct: 10, nov: 11, dec: 12,
};
const MONTH = '(jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\\.?';
const ORDINAL = '(?:st|nd|rd|th)?';

const YEAR = /(?:19|20)\d\d/;
const YMD = /(?<![\d.])((?:19|20)\d\d)([-/.])(\d{1,2})\2(\d{1,2})(?!\d|\.\d)/;
const XXY = /(?<![\d.])(\d{1,2})([-/.])(\d{1,2})\2((?:19|20)\d\d)(?![\d])/;
const MONTH_DAY_YEAR = new RegExp(`(?<![a-z])${MONTH}\\s{0,3}(\\d{1,2})${ORDINAL},?\\s{1,3}((?:19|20)\\d\\d)(?!\\d)`, 'i');
const DAY_MONTH_YEAR = new RegExp(`(?<!\\d)(\\d{1,2})${ORDINAL}\\s{0,3}(?:of\\s{1,3})?${MONTH},?\\s{0,3}((?:19|20)\\d\\d)(?!\\d)`, 'i');
const YEAR_MONTH_DAY = new RegExp(`(?<!\\d)((?:19|20)\\d\\d)[-\\s]${MONTH}[-\\s](\\d{1,2})(?!\\d)`, 'i');

function iso(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return null;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function monthNumber(name: string | undefined): number {
  return MONTHS[(name ?? '').toLowerCase().slice(0, 3)] ?? 0;
}

/** The first date in `text` as `YYYY-MM-DD`, or null. Only short texts are searched (headings, one line). */
export function findDate(text: string, order: DayMonthOrder = null): string | null {
  const s = text.length > 400 ? text.slice(0, 400) : text;
  if (!YEAR.test(s)) return null;
  let m = YMD.exec(s);
  if (m) return iso(Number(m[1]), Number(m[3]), Number(m[4]));
  m = MONTH_DAY_YEAR.exec(s);
  if (m) return iso(Number(m[3]), monthNumber(m[1]), Number(m[2]));
  m = DAY_MONTH_YEAR.exec(s);
  if (m) return iso(Number(m[3]), monthNumber(m[2]), Number(m[1]));
  m = YEAR_MONTH_DAY.exec(s);
  if (m) return iso(Number(m[1]), monthNumber(m[2]), Number(m[3]));
  m = XXY.exec(s);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = Number(m[4]);
    // Dotted dates are European (31.01.2024); slashed ones are read by whichever side cannot be a month.
    if (m[2] === '.' || a > 12) return iso(year, b, a);
    if (b > 12) return iso(year, a, b);
    if (a === b) return iso(year, a, b);
    if (order === 'dmy') return iso(year, b, a);
    if (order === 'mdy') return iso(year, a, b);
  }
  return null;
}

/** Which way round the file writes day and month, judged from dates that only read one way. */
export function dayMonthOrder(texts: Iterable<string>): DayMonthOrder {
  let dmy = 0;
  let mdy = 0;
  for (const t of texts) {
    const m = XXY.exec(t.length > 400 ? t.slice(0, 400) : t);
    if (!m || m[2] === '.') continue;
    if (Number(m[1]) > 12) dmy++;
    else if (Number(m[3]) > 12) mdy++;
  }
  if (dmy > 0 && mdy === 0) return 'dmy';
  if (mdy > 0 && dmy === 0) return 'mdy';
  return null;
}
