// A mistake on the command line: reported as one readable line, exit code 2.

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node:util parseArgs errors (unknown option, missing value, …) as a UsageError. */
export function usageErrorOf(err: unknown): UsageError {
  if (err instanceof UsageError) return err;
  const message = (err as Error).message ?? String(err);
  // parseArgs' messages carry advice about "--" that does not help here; keep the first sentence.
  return new UsageError(message.split('. ')[0]!.replace(/\.$/, ''));
}

export function positiveInt(flag: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n <= 0 || n > max) {
    throw new UsageError(`${flag} must be a whole number in 1..${max}, got "${raw}"`);
  }
  return n;
}

/** host:port with a port in 1..65535. */
export function hostPort(flag: string, raw: string): string {
  const m = /^([^\s:]+):(\d{1,5})$/.exec(raw.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65_535) throw new UsageError(`${flag} must be host:port, got "${raw}"`);
  return `${m[1]}:${m[2]}`;
}
