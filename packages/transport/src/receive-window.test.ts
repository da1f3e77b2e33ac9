// The receive windows a grpc-js server grants, as a plain HTTP/2 client sees them.

import { Server, ServerCredentials } from '@grpc/grpc-js';
import type http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { widenConnectionWindows, widenStreamWindows } from './receive-window.ts';
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

  it('are widened per stream (settings) and per connection (window update)', async () => {
    const server = new Server();
    widenStreamWindows(server, wideBytes);
    const port = await bind(server);
    expect(widenConnectionWindows(server, wideBytes)).toBe(1);
    const c = await client(port);
    expect(c.granted()).toEqual({ stream: wideBytes, connection: wideBytes });
  });

  it('widens connections that were open before it was called', async () => {
    const server = new Server();
    await client(await bind(server));
    // The client learns of it with the server's next write, which nothing here waits for: read
    // the window on the server's side of the connection instead.
    const internals = server as unknown as { http2Servers: Map<unknown, { sessions: Set<http2.Http2Session> }> };
    const serverSide = () => [...internals.http2Servers.values()].flatMap((i) => [...i.sessions].map((s) => s.state.localWindowSize));
    expect(serverSide()).toEqual([nodeDefaultWindowBytes]);
    widenConnectionWindows(server, wideBytes);
    expect(serverSide()).toEqual([wideBytes]);
  });

  it('refuses a window HTTP/2 does not allow', () => {
    const server = new Server();
    expect(() => widenStreamWindows(server, 2 ** 31)).toThrow(/stream window/);
    expect(() => widenStreamWindows(server, 1024)).toThrow(/stream window/);
    expect(() => widenConnectionWindows(server, 1024)).toThrow(/connection window/);
    expect(() => widenConnectionWindows(server, 2 ** 31)).toThrow(/connection window/);
  });
});
