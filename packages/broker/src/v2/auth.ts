// Access keys (RocketMQ 5 ACL, the part the official client speaks): when the broker has an
// access key configured, every call must carry
//   authorization: MQv2-HMAC-SHA1 Credential=<AK>, SignedHeaders=x-mq-date-time, Signature=<HEX>
// where HEX is the uppercase hex HMAC-SHA1 of the x-mq-date-time header under the secret key.
// A missing or wrong signature answers 40100 UNAUTHORIZED.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { Code } from '@ledgermq/protocol';
import { BrokerError } from '../errors.ts';

export class UnauthorizedError extends BrokerError {
  constructor(message: string) {
    super(message, Code.UNAUTHORIZED, false);
  }
}

export interface Credentials {
  readonly accessKey: string;
  readonly secretKey: string;
}

const scheme = 'MQv2-HMAC-SHA1';
const authorizationCharsMax = 1024;

/** Throws UnauthorizedError unless `headers` carry a valid signature for one of `credentials`. */
export function authenticate(headers: Readonly<Record<string, string>>, credentials: readonly Credentials[]): void {
  if (credentials.length === 0) return;
  const auth = headers['authorization'] ?? '';
  const dateTime = headers['x-mq-date-time'] ?? '';
  if (auth === '' || dateTime === '') throw new UnauthorizedError('access keys are required: authorization and x-mq-date-time headers missing');
  if (auth.length > authorizationCharsMax) throw new UnauthorizedError('authorization header too long');
  const parsed = parseAuthorization(auth);
  const cred = credentials.find((c) => c.accessKey === parsed.credential);
  if (cred === undefined) throw new UnauthorizedError(`unknown access key ${JSON.stringify(parsed.credential)}`);
  const expected = createHmac('sha1', cred.secretKey).update(dateTime, 'utf8').digest('hex').toUpperCase();
  const a = Buffer.from(expected);
  const b = Buffer.from(parsed.signature.toUpperCase());
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new UnauthorizedError('signature does not match');
}

export function parseAuthorization(text: string): { credential: string; signature: string } {
  if (!text.startsWith(`${scheme} `)) throw new UnauthorizedError(`authorization scheme must be ${scheme}`);
  const fields = new Map<string, string>();
  for (const part of text.slice(scheme.length + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential') ?? '';
  const signature = fields.get('Signature') ?? '';
  if (credential === '' || signature === '') throw new UnauthorizedError('authorization lacks Credential or Signature');
  return { credential, signature };
}

export function sign(dateTime: string, c: Credentials): string {
  return `${scheme} Credential=${c.accessKey}, SignedHeaders=x-mq-date-time, Signature=${createHmac('sha1', c.secretKey).update(dateTime, 'utf8').digest('hex').toUpperCase()}`;
}
