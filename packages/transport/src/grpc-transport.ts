// The peer transport of one Raft node over gRPC: a server receiving every peer's stream and
// one outgoing link (long-lived stream, bounded queue, reconnect loop) per peer.

import { Server, ServerCredentials } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { sendUnaryData, ServerDuplexStream, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Message, NodeId } from '@ledgermq/raft';
import { assert } from './assert.ts';
import { measureMessage } from './codec/encode.ts';
import { flowControlWindowBytes, peerQueueBytesMax } from './constants.ts';
import { InvalidMessageError } from './errors.ts';
import { checkCaller, InboundStreams } from './inbound-streams.ts';
import { silentLogger } from './logger.ts';
import type { TransportLogger } from './logger.ts';
import { PeerLink } from './peer-link.ts';
import type { PeerStats } from './peer-link.ts';
import { raftPeerService, serverChannelOptions } from './peer-proto.ts';
import type { Ack, BeaconReply, BeaconRequest, Frame } from './peer-proto.ts';
import { parseAddress } from './peers.ts';
import { widenConnectionWindows, widenStreamWindows } from './receive-window.ts';

export interface GrpcTransportOptions {
  readonly selfId: NodeId;
  readonly groupId: string;
  /** Port 0 asks the OS for a free port; read it with port() after start(). */
  readonly listen: { readonly host: string; readonly port: number };
  /** Every node of the group (this node's own entry, if present, is ignored): id -> "host:port". */
  readonly peers: ReadonlyMap<NodeId, string>;
  readonly logger?: TransportLogger;
  /** Jitter source for reconnect backoff, in [0, 1). */
  readonly random?: () => number;
  /** Per-peer outgoing queue bound (defaults to peerQueueBytesMax). */
  readonly peerQueueBytesMax?: number;
  /**
   * Further services served on the peer port (the broker's leader forwarding): node-to-node
   * traffic of one group shares one port and one firewall rule.
   */
  readonly extraServices?: readonly { readonly definition: ServiceDefinition; readonly implementation: UntypedServiceImplementation }[];
}

export type MessagesHandler = (msgs: Message[]) => void;
/** A leader's liveness beacon: returns whether this node took it (it follows `from` in `term`). */
export type BeaconHandler = (from: NodeId, term: number) => boolean;

type TransportState = 'new' | 'starting' | 'started' | 'stopped';

export class GrpcTransport {
  private readonly selfId: NodeId;
  private readonly groupId: string;
  private readonly logger: TransportLogger;
  private readonly service: ServiceDefinition;
  private readonly inbound: InboundStreams;
  private readonly links = new Map<NodeId, PeerLink>();
  private peers: ReadonlyMap<NodeId, string>;
  private state: TransportState = 'new';
  private server: Server | null = null;
  private boundPort = 0;
  private handler: MessagesHandler | null = null;
  private beaconHandler: BeaconHandler | null = null;
  private undeliveredBatches = 0;

  constructor(private readonly opts: GrpcTransportOptions) {
    assert(typeof opts.selfId === 'string' && opts.selfId !== '', 'selfId is a non-empty string');
    assert(typeof opts.groupId === 'string' && opts.groupId !== '', 'groupId is a non-empty string');
    assert(Number.isInteger(opts.listen.port) && opts.listen.port >= 0 && opts.listen.port <= 65_535, 'listen.port in 0..65535');
    this.selfId = opts.selfId;
    this.groupId = opts.groupId;
    this.logger = opts.logger ?? silentLogger;
    this.service = raftPeerService();
    this.peers = checkPeers(opts.peers);
    this.inbound = new InboundStreams({
      selfId: this.selfId,
      groupId: this.groupId,
      logger: this.logger,
      deliver: (msgs) => this.deliver(msgs),
    });
  }

  /** Binds the server (resolves once listening), then opens a stream to every peer. */
  async start(): Promise<void> {
    assert(this.state === 'new', `start() in state ${this.state}`);
    this.state = 'starting';
    const server = new Server(serverChannelOptions);
    widenStreamWindows(server, flowControlWindowBytes);
    server.addService(this.service, {
      Stream: (call: ServerDuplexStream<Frame, Ack>) => this.inbound.handle(call),
      Beacon: (call: ServerUnaryCall<BeaconRequest, BeaconReply>, done: sendUnaryData<BeaconReply>) => this.beacon(call, done),
    });
    for (const extra of this.opts.extraServices ?? []) server.addService(extra.definition, extra.implementation);
    const address = `${this.opts.listen.host}:${this.opts.listen.port}`;
    this.server = server;
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(address, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
    }).then((port) => {
      widenConnectionWindows(server, flowControlWindowBytes);
      return port;
    }).catch((err: unknown) => {
      server.forceShutdown();
      this.server = null;
      this.state = 'stopped';
      throw err;
    });
    if ((this.state as TransportState) === 'stopped') {
      server.forceShutdown();
      return;
    }
    this.state = 'started';
    this.logger.info({ node: this.selfId, group: this.groupId, address, port: this.boundPort }, 'peer transport listening');
    this.syncLinks();
  }

  /** The bound port (the OS's choice when listen.port was 0). */
  port(): number {
    assert(this.boundPort !== 0, 'port() before start() resolved');
    return this.boundPort;
  }

  /** Receives every batch from every peer, in order per sender. */
  onMessages(handler: MessagesHandler): void {
    this.handler = handler;
  }

  /** Hears peers' liveness beacons (RaftPeer.Beacon); without a handler they are refused. */
  onBeacon(handler: BeaconHandler): void {
    this.beaconHandler = handler;
  }

  /**
   * Queues messages for their destinations; never blocks. Messages for unknown or unreachable
   * peers are dropped (counted). Throws InvalidMessageError for a message that cannot be sent.
   */
  send(msgs: readonly Message[]): void {
    if (this.state !== 'started') return;
    for (let i = 0; i < msgs.length; i++) {
      const msg = msgs[i];
      if (msg.from !== this.selfId) throw new InvalidMessageError(`message from "${msg.from}" sent by node "${this.selfId}"`);
      const size = measureMessage(msg);
      const link = this.links.get(msg.to);
      if (link === undefined) {
        this.logger.debug({ to: msg.to, type: msg.type }, 'message for an unknown peer dropped');
        continue;
      }
      link.enqueue(msg, size);
    }
  }

  /** Membership change: opens links to new peers, closes removed ones, reopens moved ones. */
  setPeers(peers: ReadonlyMap<NodeId, string>): void {
    this.peers = checkPeers(peers);
    if (this.state === 'started') this.syncLinks();
  }

  stats(): Record<NodeId, PeerStats> {
    const out: Record<NodeId, PeerStats> = {};
    for (const [id, link] of this.links) out[id] = link.stats();
    return out;
  }

  /** Batches received while no handler was registered (dropped). */
  undelivered(): number {
    return this.undeliveredBatches;
  }

  /** Closes every stream and the server; leaves no timers behind. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const link of this.links.values()) link.close();
    this.links.clear();
    this.inbound.closeAll();
    const server = this.server;
    this.server = null;
    if (server !== null) server.forceShutdown();
    this.logger.info({ node: this.selfId }, 'peer transport stopped');
  }

  private syncLinks(): void {
    for (const [id, link] of this.links) {
      if (this.peers.get(id) !== link.address) {
        link.close();
        this.links.delete(id);
      }
    }
    for (const [id, address] of this.peers) {
      if (id === this.selfId || this.links.has(id)) continue;
      const link = new PeerLink(id, address, {
        selfId: this.selfId,
        groupId: this.groupId,
        logger: this.logger,
        random: this.opts.random ?? Math.random,
        queueBytesMax: this.opts.peerQueueBytesMax ?? peerQueueBytesMax,
        service: this.service,
      });
      this.links.set(id, link);
      link.start();
    }
  }

  private beacon(call: ServerUnaryCall<BeaconRequest, BeaconReply>, done: sendUnaryData<BeaconReply>): void {
    const handler = this.beaconHandler;
    if (this.state !== 'started' || handler === null) return done({ code: status.UNAVAILABLE, details: 'not taking beacons' });
    const caller = checkCaller(call.metadata, { selfId: this.selfId, groupId: this.groupId });
    // Debug only: a peer that beacons ten times a second would flood the log, and the same
    // misaddressing already shows as a refused stream.
    if (!caller.ok) {
      this.logger.debug({ from: caller.from, details: caller.details }, 'refused a beacon');
      return done({ code: caller.code, details: caller.details });
    }
    const term = call.request.term ?? 0;
    if (!Number.isSafeInteger(term) || term < 0) return done({ code: status.INVALID_ARGUMENT, details: `beacon term ${term}` });
    done(null, { accepted: handler(caller.from, term) });
  }

  private deliver(msgs: Message[]): void {
    if (this.handler === null) {
      this.undeliveredBatches++;
      return;
    }
    this.handler(msgs);
  }
}

function checkPeers(peers: ReadonlyMap<NodeId, string>): ReadonlyMap<NodeId, string> {
  for (const [id, address] of peers) {
    assert(typeof id === 'string' && id !== '', 'peer ids are non-empty strings');
    parseAddress(address);
  }
  return new Map(peers);
}
