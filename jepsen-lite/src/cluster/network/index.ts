// The networks a jepsen-lite cluster runs on: network namespaces + nftables, or TCP proxies.

export { networkKinds, networkModes, type ClusterNetwork, type NetworkChoice, type NetworkKind, type NetworkMode } from './cluster-network.ts';
export { chooseNetwork, decideNetwork, proxyOnlyFaults, type NetworkNeeds } from './choose-network.ts';
export { detectNetns, type NetnsSupport } from './netns-detect.ts';
export { NetnsNetwork } from './netns-network.ts';
export { NetnsTopology } from './netns-topology.ts';
export { ProxyNetwork } from './proxy-network.ts';
export { renderNodeRuleset, rulesForLinks, passRules, type NodeRules } from './nft-ruleset.ts';
