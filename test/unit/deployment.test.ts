import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { load as loadYaml } from 'js-yaml';
import { configSchema } from '../../src/composition/config.ts';

/**
 * The deployment files, checked without Docker (none runs on the build machines): the compose
 * file parses as YAML with the services and wiring the README promises, the Dockerfile copies
 * paths that exist, and .env.example lists every variable the config reads.
 */

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const read = (path: string) => readFileSync(root(path), 'utf8');
const yaml = { load: (text: string): unknown => loadYaml(text) };

interface Service {
  image?: string;
  build?: string;
  command?: string[];
  env_file?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  volumes?: string[];
  profiles?: string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

const compose = yaml.load(read('docker-compose.yml')) as Compose;

describe('docker-compose.yml', () => {
  it('given the compose file, when parsed, then mongo, redis and bot are there; scale-only ones in a profile', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['mongo', 'redis', 'bot']));
    for (const name of ['mongo', 'redis', 'bot']) expect(compose.services[name]!.profiles, name).toBeUndefined();
    for (const name of ['bot-2', 'worker-1', 'worker-2']) expect(compose.services[name]!.profiles, name).toEqual(['scale']);
  });

  it('given the bot services, then each builds, reads .env, waits for healthy services, restarts', () => {
    const syllabot = ['bot', 'bot-2', 'worker-1', 'worker-2'];
    for (const name of syllabot) {
      const service = compose.services[name]!;
      expect(service.build, name).toBe('.');
      expect(service.env_file, name).toBe('.env');
      expect(service.restart, name).toBe('unless-stopped');
      expect(service.depends_on, name).toEqual({ mongo: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
      expect(new URL(service.environment!.MONGODB_URI!).hostname, name).toBe('mongo');
      expect(new URL(service.environment!.REDIS_URL!).hostname, name).toBe('redis');
    }
    expect(compose.services.bot!.command).toEqual(['node', 'bin/syllabot.mjs', 'start']);
    expect(compose.services['worker-1']!.command).toEqual(['node', 'bin/syllabot.mjs', 'worker']);
    expect(compose.services['worker-2']!.command).toEqual(['node', 'bin/syllabot.mjs', 'worker']);
  });

  it('given mongo and redis, then named volumes, health checks, and Redis never evicts job keys', () => {
    const { mongo, redis } = compose.services;
    expect(mongo!.volumes).toContain('mongo-data:/data/db');
    expect(mongo!.healthcheck!.test.slice(0, 2)).toEqual(['CMD', 'mongosh']);
    expect(mongo!.healthcheck!.test.join(' ')).toContain('ping');
    expect(redis!.healthcheck!.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(redis!.command!.join(' ')).toContain('--maxmemory-policy noeviction');
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['mongo-data', 'redis-data']));
    // The replica-set name in the bot's URI is the one the health check initiates.
    const replicaSet = new URL(compose.services.bot!.environment!.MONGODB_URI!).searchParams.get('replicaSet');
    expect(mongo!.command).toEqual(['mongod', '--replSet', replicaSet, '--bind_ip_all']);
  });
});

describe('Dockerfile and .dockerignore', () => {
  const dockerfile = read('Dockerfile');

  it('given the Dockerfile, then it builds in one stage and runs compiled code as non-root node in another', () => {
    expect(dockerfile.match(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm run build/m);
    expect(dockerfile).toContain('npm prune --omit=dev');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/syllabot\.mjs", "start"\]$/m);
    expect(read('package.json')).toContain('"build": "tsc -p tsconfig.build.json"');
  });

  it('given every COPY from the build context, then the path exists and is not ignored', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!'));
    const sources = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(root(source)), source).toBe(true);
      expect(ignored, source).not.toContain(source);
    }
    expect(ignored).toEqual(expect.arrayContaining(['.env', 'node_modules', 'dist', 'data', '.git']));
  });
});

describe('.env.example', () => {
  const lines = read('.env.example').split('\n');
  const assigned = lines.map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter((name): name is string => name !== undefined);

  it('given the config schema, then every variable it reads is listed once, with a comment above it', () => {
    const variables = Object.keys(configSchema.shape);
    expect(variables.length).toBeGreaterThan(20);
    for (const name of variables) {
      expect(assigned.filter((a) => a === name), name).toHaveLength(1);
      const index = lines.findIndex((l) => l.startsWith(`${name}=`));
      // The line above is its comment, or another variable of the same group sharing one.
      expect(lines.slice(0, index).reverse().find((l) => !/^[A-Z]/.test(l)), name).toMatch(/^# /);
    }
  });

  it('given the example, then it holds no secret values and only variables the config or compose file read', () => {
    const composeText = read('docker-compose.yml');
    for (const name of assigned) {
      if (!(name in configSchema.shape)) expect(composeText, name).toContain(name);
    }
    for (const secret of ['DISCORD_TOKEN', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'SLACK_CLIENT_SECRET', 'SLACK_STATE_SECRET', 'SYLLABOT_ENCRYPTION_KEY', 'MONGODB_URI']) {
      expect(lines, secret).toContain(`${secret}=`);
    }
  });
});
