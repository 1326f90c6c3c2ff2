import { type Cidr, parseCidr } from '../upstream/ip-policy.js';

export type Env = Record<string, string | undefined>;

/**
 * Reads typed values from environment variables. A bad value becomes a problem that names the
 * variable, and the fallback is used meanwhile, so every problem is found in one pass and an
 * operator fixes the environment once.
 */
export class EnvReader {
  readonly problems: string[] = [];
  constructor(protected readonly env: Env) {}

  /** The trimmed value; blank counts as unset. */
  raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name}=${JSON.stringify(value)}: expected a whole number from ${min} to ${max}`);
      return fallback;
    }
    return Number(value);
  }

  boolean(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(value)) return true;
    if (['0', 'false', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name}=${JSON.stringify(value)}: expected true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      this.problems.push(`${name}=${JSON.stringify(value)}: expected one of ${allowed.join(', ')}`);
      return fallback;
    }
    return value as T;
  }

  /** A comma-separated list, items trimmed, empty items dropped. */
  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A comma-separated list of CIDRs (a bare address is a /32 or /128). */
  networks(name: string): Cidr[] {
    const networks: Cidr[] = [];
    for (const item of this.list(name)) {
      try {
        networks.push(parseCidr(item));
      } catch (error) {
        this.problems.push(`${name}: ${(error as Error).message}`);
      }
    }
    return networks;
  }
}
