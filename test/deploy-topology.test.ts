// The deployment files describe the same cluster `npm start` runs: the compose group and the
// Kubernetes StatefulSet against what LocalCluster writes for fixed ports (keys, peers, ports),
// plus the operational parts (a volume each, restart policy, healthchecks, probes, PDB).

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { parseProperties } from '@ledgermq/raft-node';
import { brokerConfigFromProperties } from '@ledgermq/broker';
import { fixedPorts, planCluster, type BrokerNodePlan } from '@ledgermq/broker/local';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const deployDir = path.join(repoRoot, 'deploy');
const nodeCount = 3;

type Yaml = any;

/** YAML documents of a file (the `yaml` package; a parse error fails the test). */
function loadYaml(file: string): Yaml[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${String(d.errors[0])}`);
    return d.toJS();
  });
}

/** What LocalCluster writes for broker-a with fixed ports (npm start). */
const plan = planCluster({ dataDir: '/plan' }, fixedPorts());
const planNodes: readonly BrokerNodePlan[] = plan.groups[0]!.nodes;

function confOf(text: string): Map<string, string> {
  return parseProperties(text);
}

/** Checks one deployed node config against LocalCluster's: same keys in the same order, same values but the hosts. */
function expectLikePlan(conf: Map<string, string>, node: BrokerNodePlan, hosts: { self: string; peer: (i: number) => string; namesrv: string }, ports: 'plan' | 'uniform'): void {
  const planned = new Map(node.properties);
  expect([...conf.keys()]).toEqual([...planned.keys()]);
  const port = (key: string, uniform: number) => (ports === 'plan' ? planned.get(key) : String(uniform));
  const peerPort = (i: number) => (ports === 'plan' ? planNodes[i]!.peerPort : planNodes[0]!.peerPort);
  const expected = new Map(planned);
  expected.set('brokerIP1', hosts.self);
  expected.set('listenHost', '0.0.0.0');
  expected.set('adminListenHost', '0.0.0.0');
  expected.set('storePathRootDir', '/data');
  expected.set('namesrvAddr', hosts.namesrv);
  expected.set('listenPort', port('listenPort', planNodes[0]!.v2Port)!);
  expected.set('adminListenPort', port('adminListenPort', planNodes[0]!.adminPort)!);
  expected.set('metricsPromExporterPort', port('metricsPromExporterPort', planNodes[0]!.metricsPort)!);
  expected.set('dLegerPeers', planNodes.map((_, i) => `n${i}-${hosts.peer(i)}:${peerPort(i)}`).join(';'));
  expect(Object.fromEntries(conf)).toEqual(Object.fromEntries(expected));
  // And the broker reads it as meant, without a warning.
  const warnings: string[] = [];
  const cfg = brokerConfigFromProperties(conf, (w) => warnings.push(w));
  expect(warnings).toEqual([]);
  expect(cfg.brokerName).toBe('broker-a');
  expect(cfg.node.selfId).toBe(node.selfId);
  expect(cfg.node.groupId).toBe('broker-a');
}

describe('LocalCluster with fixed ports (what the deployment files mirror)', () => {
  it('is broker-a of three nodes on 8081+, 40911+, 40811+, 5557+ with a NameServer on 9876', () => {
    expect(planNodes.map((n) => [n.selfId, n.v2Port, n.peerPort, n.adminPort, n.metricsPort])).toEqual([
      ['n0', 8081, 40911, 40811, 5557],
      ['n1', 8082, 40912, 40812, 5558],
      ['n2', 8083, 40913, 40813, 5559],
    ]);
    expect(plan.namesrvs.map((n) => n.port)).toEqual([9876]);
  });
});

describe('deploy/docker-compose.yml', () => {
  let compose: Yaml;
  beforeAll(() => {
    const docs = loadYaml(path.join(deployDir, 'docker-compose.yml'));
    expect(docs).toHaveLength(1);
    compose = docs[0];
  });

  it('has a NameServer on 9876 with a healthcheck and a restart policy', () => {
    const ns = compose.services.namesrv;
    expect(ns.command).toEqual(['namesrv', '--host', '0.0.0.0', '--port', String(plan.namesrvs[0]!.port)]);
    expect(ns.ports).toContain('9876:9876');
    expect(ns.restart).toBe('unless-stopped');
    expect(ns.healthcheck.test).toEqual(['CMD', 'node', '--import', 'tsx', 'packages/cli/src/main.ts', 'health', '--namesrv', '127.0.0.1:9876']);
  });

  it('has exactly the three broker nodes of broker-a', () => {
    const brokers = Object.keys(compose.services).filter((s) => s.startsWith('broker-'));
    expect(brokers.sort()).toEqual(planNodes.map((n) => `broker-${n.selfId}`));
  });

  for (const node of planNodes) {
    const service = `broker-${node.selfId}`;
    it(`${service}: config like LocalCluster's, own volume, restart policy, healthcheck, waits for the NameServer`, () => {
      const s = compose.services[service];
      expect(s.command).toEqual(['broker', '-c', '/etc/ledgermq/broker.conf']);
      expect(s.volumes).toContain(`./conf/${service}.conf:/etc/ledgermq/broker.conf:ro`);
      const dataVolume = `${service}-data`;
      expect(s.volumes).toContain(`${dataVolume}:/data`);
      expect(Object.keys(compose.volumes)).toContain(dataVolume);
      // No other service shares the volume.
      const users = Object.entries(compose.services).filter(([, x]: [string, Yaml]) => (x.volumes ?? []).some((v: string) => v.startsWith(`${dataVolume}:`)));
      expect(users.map(([name]) => name)).toEqual([service]);
      expect(s.restart).toBe('unless-stopped');
      expect(s.healthcheck.test).toEqual(['CMD', 'node', '--import', 'tsx', 'packages/cli/src/main.ts', 'health', '--admin', `127.0.0.1:${node.adminPort}`]);
      expect(s.healthcheck.interval).toBeDefined();
      expect(s.depends_on).toEqual({ namesrv: { condition: 'service_healthy' } });
      for (const p of [node.v2Port, node.adminPort, node.metricsPort]) expect(s.ports).toContain(`${p}:${p}`);

      const conf = confOf(readFileSync(path.join(deployDir, 'conf', `${service}.conf`), 'utf8'));
      expectLikePlan(conf, node, { self: service, peer: (i) => `broker-n${i}`, namesrv: 'namesrv:9876' }, 'plan');
    });
  }
});

describe('deploy/k8s', () => {
  let docs: Yaml[];
  const ofKind = (kind: string) => docs.filter((d) => d?.kind === kind);
  beforeAll(() => {
    const dir = path.join(deployDir, 'k8s');
    docs = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .flatMap((f) => loadYaml(path.join(dir, f)))
      .filter((d) => d !== null);
  });

  it('runs broker-a as a StatefulSet of 3 with a headless Service, PVC templates and probes', () => {
    const [sts, ...more] = ofKind('StatefulSet');
    expect(more).toHaveLength(0);
    expect(sts.spec.replicas).toBe(nodeCount);
    const headless = ofKind('Service').find((s) => s.metadata.name === sts.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    const podLabels = sts.spec.template.metadata.labels;
    expect(sts.spec.selector.matchLabels).toEqual(podLabels);
    expect(headless.spec.selector).toEqual(podLabels);

    expect(sts.spec.volumeClaimTemplates.length).toBeGreaterThan(0);
    const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
    const [container] = sts.spec.template.spec.containers;
    expect(container.volumeMounts).toContainEqual({ name: claim, mountPath: '/data' });

    expect(container.readinessProbe.exec.command).toEqual(['node', '--import', 'tsx', 'packages/cli/src/main.ts', 'health', '--admin', `127.0.0.1:${planNodes[0]!.adminPort}`]);
    expect(container.livenessProbe).toBeDefined();
    expect(container.command.join(' ')).toContain('broker -c /etc/ledgermq/broker-n${HOSTNAME##*-}.conf');
    expect(sts.spec.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('limits voluntary disruptions to one node with a PodDisruptionBudget', () => {
    const [pdb] = ofKind('PodDisruptionBudget');
    const [sts] = ofKind('StatefulSet');
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual(sts.spec.template.metadata.labels);
  });

  it('runs the NameServer as a Deployment behind a Service on 9876', () => {
    const dep = ofKind('Deployment').find((d) => d.metadata.name === 'namesrv');
    expect(dep.spec.template.spec.containers[0].args).toEqual(['namesrv', '--host', '0.0.0.0', '--port', '9876']);
    expect(dep.spec.template.spec.containers[0].readinessProbe).toBeDefined();
    const svc = ofKind('Service').find((s) => s.metadata.name === 'namesrv');
    expect(svc.spec.ports[0].port).toBe(9876);
    expect(svc.spec.selector).toEqual(dep.spec.template.metadata.labels);
  });

  it('configures node n<i> of pod broker-a-<i> with the keys LocalCluster writes', () => {
    const [sts] = ofKind('StatefulSet');
    const configMapName = sts.spec.template.spec.volumes.find((v: Yaml) => v.configMap)?.configMap.name;
    const cm = ofKind('ConfigMap').find((c) => c.metadata.name === configMapName);
    expect(Object.keys(cm.data).sort()).toEqual(planNodes.map((n) => `broker-${n.selfId}.conf`));
    const ns = sts.metadata.namespace;
    const fqdn = (i: number) => `${sts.metadata.name}-${i}.${sts.spec.serviceName}.${ns}.svc.cluster.local`;
    for (const [i, node] of planNodes.entries()) {
      const conf = confOf(cm.data[`broker-${node.selfId}.conf`]);
      expectLikePlan(conf, node, { self: fqdn(i), peer: fqdn, namesrv: `namesrv.${ns}.svc.cluster.local:9876` }, 'uniform');
    }
  });
});

describe('deploy/Dockerfile and deploy/prometheus', () => {
  it('builds on node:20-slim, runs as a non-root user with a data volume and a health probe', () => {
    const text = readFileSync(path.join(deployDir, 'Dockerfile'), 'utf8');
    const lines = text.split('\n').filter((l) => !l.trimStart().startsWith('#'));
    expect(lines.filter((l) => l.startsWith('FROM ')).every((l) => l.startsWith('FROM node:20-slim'))).toBe(true);
    const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(lines.some((l) => l.startsWith('VOLUME ') && l.includes('/data'))).toBe(true);
    expect(text).toMatch(/HEALTHCHECK [^\n]*\\\n\s+CMD node --import tsx packages\/cli\/src\/main\.ts health --admin/);
  });

  it('scrapes every broker node on its metrics port and alerts on the agreed metric names', () => {
    const [prom] = loadYaml(path.join(deployDir, 'prometheus', 'prometheus.yml'));
    const targets: string[] = prom.scrape_configs.flatMap((s: Yaml) => s.static_configs.flatMap((c: Yaml) => c.targets));
    expect(targets.sort()).toEqual(planNodes.map((n) => `broker-${n.selfId}:${n.metricsPort}`));
    const [alerts] = loadYaml(path.join(deployDir, 'prometheus', 'alerts.yml'));
    const rules: Yaml[] = alerts.groups.flatMap((g: Yaml) => g.rules);
    const exprOf = (name: string) => rules.find((r) => r.alert === name)?.expr as string;
    expect(exprOf('LedgerMQNoLeader')).toContain('ledgermq_raft_leader');
    expect(exprOf('LedgerMQFollowerLagging')).toContain('ledgermq_raft_follower_lag_entries');
    expect(exprOf('LedgerMQCommitBehind')).toContain('ledgermq_raft_commit_index');
    expect(exprOf('LedgerMQConsumerLag')).toContain('rocketmq_consumer_lag_messages');
  });
});
