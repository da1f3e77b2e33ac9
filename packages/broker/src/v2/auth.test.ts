import { describe, expect, it } from 'vitest';
import { authenticate, sign, UnauthorizedError } from './auth.ts';

const cred = { accessKey: 'AK1', secretKey: 'secret' };
const dateTime = '20261201T120000Z';

describe('access keys', () => {
  it('accepts a valid signature and anything when no keys are configured', () => {
    expect(() => authenticate({ authorization: sign(dateTime, cred), 'x-mq-date-time': dateTime }, [cred])).not.toThrow();
    expect(() => authenticate({}, [])).not.toThrow();
  });

  it('refuses missing headers, an unknown key, a wrong secret or a different date-time', () => {
    const cases: Record<string, string>[] = [
      {},
      { authorization: sign(dateTime, cred) },
      { authorization: sign(dateTime, { accessKey: 'AK2', secretKey: 'secret' }), 'x-mq-date-time': dateTime },
      { authorization: sign(dateTime, { accessKey: 'AK1', secretKey: 'other' }), 'x-mq-date-time': dateTime },
      { authorization: sign(dateTime, cred), 'x-mq-date-time': '20261201T120001Z' },
      { authorization: 'Basic abc', 'x-mq-date-time': dateTime },
    ];
    for (const h of cases) expect(() => authenticate(h, [cred]), JSON.stringify(h)).toThrow(UnauthorizedError);
  });
});
