import { describe, expect, it } from 'vitest';
import { Code } from '@ledgermq/protocol';
import { fromV2 } from '../v2/message-convert.ts';
import { delayOfLevel, messageDelayLevelDefault, parseDelayLevels } from './delay-levels.ts';

const levels = parseDelayLevels(messageDelayLevelDefault);

function v2Message(user: Record<string, string>, messageType = 1) {
  return {
    topic: { name: 'T', resource_namespace: '' }, user_properties: user, body: Buffer.from('x'),
    system_properties: { message_id: 'ID1', body_encoding: 1, message_type: messageType, born_host: 'h', keys: [], queue_id: 0 },
  } as never;
}

describe('delay levels', () => {
  it("RocketMQ's default is 18 levels from 1 s to 2 h", () => {
    expect(levels).toHaveLength(18);
    expect(levels[0]).toBe(1_000);
    expect(levels[3]).toBe(30_000);
    expect(levels[17]).toBe(2 * 3_600_000);
  });

  it('a bad messageDelayLevel names the key and the entry', () => {
    expect(() => parseDelayLevels('1s 5x')).toThrow(/messageDelayLevel: "5x"/);
    expect(() => parseDelayLevels('   ')).toThrow(/messageDelayLevel must list/);
  });

  it('level 0 is no delay, a level past the last is the last, and a non-number is refused', () => {
    expect(delayOfLevel('0', levels)).toBeNull();
    expect(delayOfLevel('3', levels)).toBe(10_000);
    expect(delayOfLevel('99', levels)).toBe(7_200_000);
    expect(() => delayOfLevel('soon', levels)).toThrow(expect.objectContaining({ v2Code: Code.ILLEGAL_DELIVERY_TIME }));
  });

  it('a NORMAL message with a DELAY property gets its delivery time from the level; without one it has none', () => {
    const opts = { maxBodyBytes: 1024, nowMs: 1_000_000, timerDelayMsMax: 86_400_000, delayLevelsMs: levels };
    expect(fromV2(v2Message({ DELAY: '2' }), opts).input.properties.deliveryTimestampMs).toBe(1_005_000);
    expect(fromV2(v2Message({}), opts).input.properties.deliveryTimestampMs).toBeNull();
    // A DELAY-typed message may name a level instead of a timestamp.
    expect(fromV2(v2Message({ DELAY: '1' }, 3), opts).input.properties.deliveryTimestampMs).toBe(1_001_000);
    expect(fromV2(v2Message({ DELAY: '1' }), opts).input.properties.user.has('DELAY')).toBe(false);
    // Not for transactional (4) messages.
    expect(() => fromV2(v2Message({ DELAY: '1' }, 4), opts)).toThrow(expect.objectContaining({ v2Code: Code.MESSAGE_PROPERTY_CONFLICT_WITH_TYPE }));
  });
});
