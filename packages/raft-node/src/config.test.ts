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
});
