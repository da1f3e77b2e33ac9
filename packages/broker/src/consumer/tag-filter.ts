// Broker-side tag filters: "*" (everything) or "a||b||c". SQL92 filters are not supported yet.

import { Code, FilterType } from '@ledgermq/protocol';
import { BadRequestError } from '../errors.ts';

export interface TagFilter {
  readonly all: boolean;
  readonly tags: ReadonlySet<string>;
}

export const filterExpressionCharsMax = 4096;

export function parseTagFilter(type: number, expression: string): TagFilter {
  if (type === FilterType.SQL) throw new BadRequestError('SQL92 filters are not supported yet; use a TAG filter', Code.NOT_IMPLEMENTED);
  if (expression.length > filterExpressionCharsMax) throw new BadRequestError('filter expression too long', Code.ILLEGAL_FILTER_EXPRESSION);
  const text = expression.trim();
  if (text === '' || text === '*') return { all: true, tags: new Set() };
  const tags = text.split('||').map((t) => t.trim());
  if (tags.some((t) => t === '')) throw new BadRequestError(`illegal tag filter ${JSON.stringify(expression)}`, Code.ILLEGAL_FILTER_EXPRESSION);
  return { all: false, tags: new Set(tags) };
}

export function matches(filter: TagFilter, tag: string | null): boolean {
  return filter.all || (tag !== null && filter.tags.has(tag));
}
