// The receive windows a grpc-js server grants, as a plain HTTP/2 client sees them.

import { Server, ServerCredentials } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { widenStreamWindows } from './receive-window.ts';
import { connectAndRead } from './receive-window.test-util.ts';

const nodeDefaultWindowBytes = 65_535;
const wideBytes = 8 * 1024 * 1024;
const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function bind(server: Server): Promise<number> {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  cleanups.push(() => server.forceShutdown());
  return port;
}

async function client(port: number) {
  const c = await connectAndRead(port);
  cleanups.push(c.close);
  return c;
}

describe("a grpc-js server's receive windows", () => {
  it("are Node's 64 KiB defaults when left alone", async () => {
    const c = await client(await bind(new Server()));
    expect(c.granted()).toEqual({ stream: nodeDefaultWindowBytes, connection: nodeDefaultWindowBytes });
  });

  it("are widened per stream; the connection's stays Node's", async () => {
    const server = new Server();
    widenStreamWindows(server, wideBytes);
    const c = await client(await bind(server));
    expect(c.granted()).toEqual({ stream: wideBytes, connection: nodeDefaultWindowBytes });
  });

  it('refuses a window HTTP/2 does not allow', () => {
    expect(() => widenStreamWindows(new Server(), 2 ** 31)).toThrow(/stream window/);
    expect(() => widenStreamWindows(new Server(), 1024)).toThrow(/stream window/);
  });
});
