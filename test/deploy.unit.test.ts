// The deployment files start only what the CLI and the configuration accept: every Changelogs process they run is a
// `changelogs` command with valid arguments, every environment variable they set for it is one infra/config.ts
// reads, and the Temporal images are the pinned versions.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { API_ENVIRONMENT, API_NODE_FLAGS } from '../api/nodeFlags';
import { commands } from '../cli/main';
import { WORKER_KINDS } from '../cli/worker';
import { CONFIG_VARIABLES, loadConfig } from '../infra/config';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

const ROOT = path.join(__dirname, '..');
const DEPLOY = path.join(ROOT, 'infra', 'deploy');
const PROJECT_IMAGE = 'changelogs';
/** The Temporal release the project runs (the server, its schema tools and CLI), and the Web UI for it. */
const PINNED: Record<string, string> = { 'temporalio/server': '1.32.0', 'temporalio/admin-tools': '1.32.0', 'temporalio/ui': '2.55.0' };
/** What a deployment runs: the migration job, both workers and the API. */
const PROCESSES = ['migrate', 'worker orchestration', 'worker crawl', 'api'];

/** Why `changelogs <args>` is not a process a deployment may run, or null when it is one. */
function commandProblem(args: unknown): string | null {
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) return `not a list of arguments: ${JSON.stringify(args)}`;
  const [name, ...rest] = args as string[];
  if (name === undefined || !Object.hasOwn(commands, name)) return `"${name}" is not a changelogs command`;
  if (name === 'worker') {
    return rest.length === 1 && (WORKER_KINDS as readonly string[]).includes(rest[0]!) ? null : `worker takes one of ${WORKER_KINDS.join('|')}, got ${JSON.stringify(rest)}`;
  }
  if (name === 'migrate' || name === 'api') return rest.length === 0 ? null : `${name} takes no arguments, got ${JSON.stringify(rest)}`;
  return `"${name}" is a command, but not a process a deployment runs`;
}

/** Node's own variable, which only the API sets (checked below, per deployment). */
const NODE_OPTIONS = 'NODE_OPTIONS';

function unknownVariables(names: string[]): string[] {
  return names.filter((name) => name !== NODE_OPTIONS && !(CONFIG_VARIABLES as readonly string[]).includes(name));
}

function imageParts(image: string): { name: string; tag: string | undefined } {
  const [name, tag] = image.split(':');
  return { name: name!, tag };
}

/** Pinned images must carry their pinned tag; any other image (Postgres) a tag at all, never `latest`. */
function imageProblem(image: string): string | null {
  const { name, tag } = imageParts(image);
  if (Object.hasOwn(PINNED, name)) return tag === PINNED[name] ? null : `${name} must be ${PINNED[name]}, is ${tag}`;
  return tag && tag !== 'latest' ? null : `${image} has no fixed tag`;
}

/** The `Keyword` search attributes a setup step registers: `--name X --type Keyword` pairs. */
function keywordAttributes(text: string): string[] {
  return [...text.matchAll(/--name[\s"',]+(\w+)[\s"',]+--type[\s"',]+Keyword/g)].map((match) => match[1]!).sort();
}

const CRAWL_ATTRIBUTES = ALL_SEARCH_ATTRIBUTES.map((key) => key.name).sort();

describe('the configuration names deployments are checked against', () => {
  test('are exactly the environment variables loadConfig reads', () => {
    const read = new Set<string>();
    // Live mode with no URL set and no DATABASE_URL reads every variable there is.
    const env = new Proxy({ UPSTREAMS: 'live', npm_config_registry: 'http://127.0.0.1:1/' } as Record<string, string | undefined>, {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return target[key as string];
      },
    });
    loadConfig(env);
    expect([...read].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });
});

describe('the image', () => {
  test("sets the API's environment for every process (docker-compose.yml and the manifests run it)", () => {
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const set = Object.fromEntries([...finalStage.matchAll(/^ENV (\w+)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
    for (const [name, value] of Object.entries(API_ENVIRONMENT)) expect({ name, value: set[name] }).toEqual({ name, value });
  });
});

describe('docker-compose.yml', () => {
  const file = path.join(ROOT, 'docker-compose.yml');
  // Compose resolves YAML merge keys (`<<:`); so must the test.
  const compose = parse(fs.readFileSync(file, 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
  const services = Object.entries(compose.services);
  const project = services.filter(([, service]) => imageParts(service.image).name === PROJECT_IMAGE);

  test('runs each Changelogs process, each as a command the CLI accepts', () => {
    for (const [name, service] of project) expect({ name, problem: commandProblem(service.command) }).toEqual({ name, problem: null });
    expect(project.map(([, service]) => service.command.join(' ')).sort()).toEqual([...PROCESSES].sort());
  });

  test('sets only environment variables infra/config.ts reads for a Changelogs process', () => {
    for (const [name, service] of project) {
      expect(Array.isArray(service.environment)).toBe(false);
      expect({ name, unknown: unknownVariables(Object.keys(service.environment ?? {})) }).toEqual({ name, unknown: [] });
    }
  });

  test('starts the API, and only the API, with its Node flags', () => {
    const flags = project.map(([, service]) => [service.command.join(' '), service.environment?.[NODE_OPTIONS]]);
    expect(flags.sort()).toEqual(PROCESSES.map((command) => [command, command === 'api' ? API_NODE_FLAGS.join(' ') : undefined]).sort());
  });

  test('pins the Temporal images to the versions the project runs, and every other image to a tag', () => {
    const images = services.filter(([, service]) => imageParts(service.image).name !== PROJECT_IMAGE).map(([, service]) => service.image);
    for (const image of images) expect({ image, problem: imageProblem(image) }).toEqual({ image, problem: null });
    expect(new Set(images.map((image) => imageParts(image).name))).toEqual(new Set([...Object.keys(PINNED), 'postgres']));
  });

  test('starts each service after what it needs: healthy Postgres, finished one-shot jobs', () => {
    const oneShot = new Set(services.filter(([, service]) => service.restart === 'no').map(([name]) => name));
    const needs = (name: string): string[] => Object.keys(compose.services[name]?.depends_on ?? {});
    const reaches = (from: string, to: string): boolean => needs(from).some((next) => next === to || reaches(next, to));
    for (const [name, service] of services) {
      for (const [dependency, { condition }] of Object.entries(service.depends_on ?? {})) {
        const expected = oneShot.has(dependency) ? 'service_completed_successfully' : compose.services[dependency]?.healthcheck ? 'service_healthy' : 'service_started';
        expect({ name, dependency, condition }).toEqual({ name, dependency, condition: expected });
      }
    }
    const jobOf = (script: string) => services.find(([, service]) => (service.command ?? []).join(' ').includes(script))?.[0];
    const schemaJob = jobOf('setup-schema.sh');
    const namespaceJob = jobOf('setup-namespace.sh');
    const temporal = services.find(([, service]) => imageParts(service.image).name === 'temporalio/server')?.[0];
    expect([schemaJob, namespaceJob, temporal].every(Boolean)).toBe(true);
    expect(reaches(temporal!, schemaJob!)).toBe(true);
    expect(reaches(namespaceJob!, temporal!)).toBe(true);
    for (const [name, service] of project) {
      if (service.command[0] !== 'migrate') expect({ name, afterSetup: reaches(name, namespaceJob!) && reaches(name, 'migrate') }).toEqual({ name, afterSetup: true });
    }
  });

  test('lets the workers scale with --scale: no fixed container name, no host port', () => {
    for (const [name, service] of project.filter(([, service]) => service.command[0] === 'worker')) {
      expect({ name, containerName: service.container_name, ports: service.ports }).toEqual({ name, containerName: undefined, ports: undefined });
    }
  });

  test('publishes the API on the port it is configured to listen on, and checks /readyz there', () => {
    const [, api] = project.find(([, service]) => service.command[0] === 'api')!;
    const port = api.environment!.PORT;
    expect(api.ports?.map((mapping) => mapping.split(':').at(-1))).toEqual([port]);
    expect(api.healthcheck?.test.join(' ')).toContain(`:${port}/readyz`);
  });

  test('mounts support files that exist', () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.')) expect(fs.existsSync(path.join(ROOT, source))).toBe(true);
      }
    }
  });

  test('registers exactly the search attributes crawls carry', () => {
    expect(keywordAttributes(fs.readFileSync(path.join(DEPLOY, 'temporal', 'setup-namespace.sh'), 'utf8'))).toEqual(CRAWL_ATTRIBUTES);
  });

  const dockerCompose = onPath('docker-compose');
  if (!dockerCompose) console.warn('docker-compose is not installed (apt-get install docker-compose): its own validation of docker-compose.yml is skipped');
  (dockerCompose ? test : test.skip)('is valid to docker-compose itself, and refuses to start without its secrets', () => {
    const run = (env: Record<string, string>) =>
      spawnSync(dockerCompose!, ['-f', file, 'config', '-q'], { cwd: ROOT, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    const valid = run({ POSTGRES_PASSWORD: 'secret', API_TOKEN: 'token' });
    expect({ status: valid.status, stderr: valid.stderr }).toEqual({ status: 0, stderr: '' });
    const noPassword = run({ API_TOKEN: 'token' });
    expect(noPassword.status).not.toBe(0);
    expect(noPassword.stderr).toContain('set POSTGRES_PASSWORD');
  });
});

describe('the Kubernetes manifests', () => {
  const dir = path.join(DEPLOY, 'kubernetes');
  const kustomization = parse(fs.readFileSync(path.join(DEPLOY, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
  const resources = kustomization.resources.flatMap((resource) =>
    parseAllDocuments(fs.readFileSync(path.join(DEPLOY, resource), 'utf8')).map((doc) => doc.toJS() as Resource),
  );
  const config = resources.find((resource) => resource.kind === 'ConfigMap' && resource.metadata.name === PROJECT_IMAGE)!;
  const workloads = resources.filter((resource) => resource.kind === 'Deployment' || resource.kind === 'Job');
  const containers = workloads.flatMap((workload) => workload.spec.template!.spec.containers.map((container) => ({ workload: workload.metadata.name, container })));
  const project = containers.filter(({ container }) => imageParts(container.image).name === PROJECT_IMAGE);

  test('apply every manifest in the folder except the Helm values', () => {
    const manifests = fs.readdirSync(dir).filter((name) => name !== 'temporal-values.yaml').map((name) => `kubernetes/${name}`);
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
  });

  test('run each Changelogs process as a command the CLI accepts, keeping the image entry point', () => {
    for (const { workload, container } of project) {
      expect({ workload, command: container.command, problem: commandProblem(container.args) }).toEqual({ workload, command: undefined, problem: null });
    }
    expect(project.map(({ container }) => container.args!.join(' ')).sort()).toEqual([...PROCESSES].sort());
  });

  test('set only environment variables infra/config.ts reads for a Changelogs process', () => {
    expect(unknownVariables(Object.keys(config.data!))).toEqual([]);
    for (const { workload, container } of project) {
      expect({ workload, unknown: unknownVariables((container.env ?? []).map((variable) => variable.name)) }).toEqual({ workload, unknown: [] });
      expect({ workload, envFrom: container.envFrom }).toEqual({ workload, envFrom: [{ configMapRef: { name: PROJECT_IMAGE } }] });
    }
  });

  test('start the API, and only the API, with its Node flags', () => {
    const flags = project.map(({ container }) => [container.args!.join(' '), container.env?.find((variable) => variable.name === NODE_OPTIONS)?.value]);
    expect(flags.sort()).toEqual(PROCESSES.map((command) => [command, command === 'api' ? API_NODE_FLAGS.join(' ') : undefined]).sort());
  });

  test('probe the API on /healthz and /readyz at the port it listens on, and serve it from that port', () => {
    const { container } = project.find(({ container }) => container.args![0] === 'api')!;
    const port = container.env!.find((variable) => variable.name === 'PORT')!.value;
    const named = container.ports!.find((entry) => String(entry.containerPort) === port)!;
    expect(container.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: named.name });
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: named.name });
    const service = resources.find((resource) => resource.kind === 'Service')!;
    expect(service.spec.ports!.map((entry) => entry.targetPort)).toEqual([named.name]);
  });

  test('expose the workers’ metrics on the port they are configured with', () => {
    for (const { workload, container } of project.filter(({ container }) => container.args![0] === 'worker')) {
      expect({ workload, ports: container.ports!.map((entry) => String(entry.containerPort)) }).toEqual({ workload, ports: [config.data!.METRICS_PORT] });
    }
  });

  test('pin the Temporal images, in the manifests and in the Helm values, and keep both stores on Postgres', () => {
    for (const { container } of containers.filter(({ container }) => imageParts(container.image).name !== PROJECT_IMAGE)) {
      expect({ image: container.image, problem: imageProblem(container.image) }).toEqual({ image: container.image, problem: null });
    }
    const values = parse(fs.readFileSync(path.join(dir, 'temporal-values.yaml'), 'utf8')) as HelmValues;
    for (const image of [values.server.image, values.admintools.image, values.web.image]) {
      const full = `${image.repository}:${image.tag}`;
      expect({ image: full, problem: imageProblem(full) }).toEqual({ image: full, problem: null });
    }
    const stores = values.server.config.persistence.datastores;
    expect([stores.default.sql.pluginName, stores.visibility.sql.pluginName]).toEqual(['postgres12', 'postgres12']);
  });

  test('set up the namespace with the same script as docker-compose.yml', () => {
    const generated = (parse(fs.readFileSync(path.join(DEPLOY, 'kustomization.yaml'), 'utf8')) as { configMapGenerator: { files: string[] }[] }).configMapGenerator;
    expect(generated.flatMap((entry) => entry.files)).toEqual(['temporal/setup-namespace.sh']);
    const setup = containers.find(({ container }) => (container.command ?? []).join(' ').includes('setup-namespace.sh'));
    expect(setup && imageParts(setup.container.image).name).toBe('temporalio/admin-tools');
  });

  const kubectl = onPath('kubectl');
  (kubectl ? test : test.skip)('build with kustomize (kubectl kustomize)', () => {
    const built = spawnSync(kubectl!, ['kustomize', DEPLOY], { encoding: 'utf8' });
    expect({ status: built.status, stderr: built.stderr }).toEqual({ status: 0, stderr: '' });
  });
});

function onPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, binary);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return null;
}

interface ComposeService {
  image: string;
  command: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  restart?: string;
  ports?: string[];
  volumes?: string[];
  container_name?: string;
}

interface Container {
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
  envFrom?: unknown[];
  ports?: { name?: string; containerPort: number }[];
  livenessProbe?: { httpGet?: unknown };
  readinessProbe?: { httpGet?: unknown };
}

interface Resource {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec: { template?: { spec: { containers: Container[] } }; ports?: { targetPort: string }[] };
}

interface HelmValues {
  server: { image: { repository: string; tag: string }; config: { persistence: { datastores: Record<'default' | 'visibility', { sql: { pluginName: string } }> } } };
  admintools: { image: { repository: string; tag: string } };
  web: { image: { repository: string; tag: string } };
}
