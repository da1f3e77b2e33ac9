// Where the v2 endpoint learns routes: the NameServers, with this node's own group as the
// answer of last resort (a topic the NameServers do not list yet, or no NameServer reachable).

import type { NodeRoute, TopicRoute } from '@ledgermq/protocol';

export interface RouteSource {
  /** The topic's route from a NameServer, or null when no NameServer knows the topic. */
  queryRoute(topic: string): Promise<TopicRoute | null>;
  /** Live nodes of this broker group as the NameServers list them (empty when unknown). */
  groupNodes(): Promise<readonly NodeRoute[]>;
}
