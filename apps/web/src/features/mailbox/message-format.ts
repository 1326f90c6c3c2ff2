import type { EmailAddress } from '@westwind/contract';

const sameDay = (a: Date, b: Date) =>
  a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let cached = formatters.get(key);
  if (!cached) {
    cached = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, cached);
  }
  return cached;
}

/** The list's date column: today a time, this year day and month, else a full date. */
export function formatListDate(iso: string, now: Date = new Date(), locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  if (sameDay(date, now)) return formatter(locale, { hour: 'numeric', minute: '2-digit' }).format(date);
  if (date.getFullYear() === now.getFullYear()) {
    return formatter(locale, { day: 'numeric', month: 'short' }).format(date);
  }
  return formatter(locale, { day: 'numeric', month: 'numeric', year: 'numeric' }).format(date);
}

/** The reader's date: always complete. */
export function formatFullDate(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return formatter(locale, { dateStyle: 'full', timeStyle: 'short' }).format(date);
}

/** "1.2 MB", "340 KB", "12 bytes" (binary multiples, as mail clients show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

export function addressLabel(address: EmailAddress): string {
  return address.name.trim() || address.address;
}

/** "Ada Lovelace <ada@example.test>" for headers; just the address when there is no name. */
export function addressFull(address: EmailAddress): string {
  const name = address.name.trim();
  return name ? `${name} <${address.address}>` : address.address;
}

/** The sender column: the first sender's name, or "(no sender)". */
export function senderLabel(from: readonly EmailAddress[]): string {
  const first = from[0];
  return first ? addressLabel(first) : '(no sender)';
}
