// Running `ip` and `nft` (as root), bounded in time, with their stderr in the error.

import { execFile, execFileSync } from 'node:child_process';
import { netnsCommandTimeoutMs } from '../constants.ts';
import { NetnsError } from '../errors.ts';

export async function run(program: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(program, [...args], { timeout: netnsCommandTimeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new NetnsError(`${program} ${args.join(' ')}: ${(stderr || err.message).trim()}`, { cause: err }));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Synchronous and silent: for cleanup at process exit. Returns whether it succeeded. */
export function runSyncQuiet(program: string, args: readonly string[]): boolean {
  try {
    execFileSync(program, [...args], { timeout: netnsCommandTimeoutMs, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Applies an nft ruleset inside namespace `ns` (one transaction: all of it or nothing). */
export async function nftApply(ns: string, ruleset: string): Promise<void> {
  await run('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], ruleset);
}
