import { describe, expect, it } from 'vitest';
import { ConfigError, configFromProperties, configToProperties, parseProperties } from './config.ts';

const base = `# a broker node
dLegerGroup=RaftGroup-a
dLegerSelfId=n1
dLegerPeers=n0-127.0.0.1:40911;n1-127.0.0.1:40912;n2-127.0.0.1:40913
storePathRootDir=/tmp/ledgermq/n1
`;

describe('node config', () => {
  it('reads RocketMQ/DLedger-style keys with defaults', () => {
    const cfg = configFromProperties(parseProperties(base));
    expect(cfg.groupId).toBe('RaftGroup-a');
    expect(cfg.selfId).toBe('n1');
    expect(cfg.adminPort).toBe(40812);
    expect(cfg.segmentBytes).toBe(1024 ** 3);
    expect(cfg.retentionMaxAgeMs).toBe(72 * 3600 * 1000);
  });

  it('round-trips through properties text', () => {
    const cfg = configFromProperties(parseProperties(`${base}mappedFileSizeCommitLog=65536\nraftTickMs=20\n`));
    expect(configFromProperties(parseProperties(configToProperties(cfg)))).toEqual(cfg);
  });

  it('warns about unknown keys and rejects bad values with a readable error', () => {
    const warnings: string[] = [];
    configFromProperties(parseProperties(`${base}dLegerSelfID=n1\n`), (w) => warnings.push(w));
    expect(warnings).toEqual(['unknown config key dLegerSelfID (ignored)']);
    expect(() => configFromProperties(parseProperties(`${base}mappedFileSizeCommitLog=big\n`))).toThrow(
      /mappedFileSizeCommitLog must be an integer/,
    );
    expect(() => configFromProperties(parseProperties('dLegerGroup=g\n'))).toThrow(ConfigError);
    expect(() => parseProperties('no equals sign')).toThrow(/line 1: expected key=value/);
  });

  it('testPlantedBug is refused outside test mode, and unknown bugs always', () => {
    const props = (v: string) => parseProperties(`${base}testPlantedBug=${v}\n`);
    expect(configFromProperties(parseProperties(base), undefined, true).plantedBug).toBeNull();
    expect(() => configFromProperties(props('skip-noop'), undefined, false)).toThrow(/refused unless the process runs with LEDGERMQ_TEST_MODE=1/);
    expect(configFromProperties(props('skip-noop'), undefined, true).plantedBug).toBe('skip-noop');
    expect(() => configFromProperties(props('lose-everything'), undefined, true)).toThrow(/testPlantedBug must be one of ack-before-commit, read-uncommitted, skip-noop/);
  });

  it('testVolatileWrites (power-loss tests) is refused outside test mode and off by default', () => {
    const props = (v: string) => parseProperties(`${base}testVolatileWrites=${v}\n`);
    expect(configFromProperties(parseProperties(base), undefined, true).volatileWritesForTests).toBe(false);
    expect(() => configFromProperties(props('true'), undefined, false)).toThrow(/testVolatileWrites=true .* refused unless the process runs with LEDGERMQ_TEST_MODE=1/);
    expect(configFromProperties(props('true'), undefined, true).volatileWritesForTests).toBe(true);
    expect(() => configFromProperties(props('yes'), undefined, true)).toThrow(/testVolatileWrites must be true or false/);
  });
});
