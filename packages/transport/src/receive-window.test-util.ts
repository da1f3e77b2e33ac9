// What a plain HTTP/2 client may send to a server before the server reads: per stream (the
// server's SETTINGS) and on the whole connection (after the server's first WINDOW_UPDATE).

import http2 from 'node:http2';

export interface Granted {
  readonly stream: number | undefined;
  readonly connection: number;
}

/** Opens a connection and answers once a PING came back: `granted` then reads the windows. */
export async function connectAndRead(port: number): Promise<{ granted: () => Granted; close: () => void }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  const close = () => session.destroy();
  try {
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    // A PING's answer comes after every frame the server queued before reading the PING.
    await new Promise<void>((resolve, reject) => session.ping((err) => (err ? reject(err) : resolve())));
    const granted = () => ({ stream: session.remoteSettings.initialWindowSize, connection: session.state.remoteWindowSize ?? 0 });
    return { granted, close };
  } catch (err) {
    close();
    throw err;
  }
}
