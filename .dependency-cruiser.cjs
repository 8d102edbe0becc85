/**
 * The architecture, enforced: imports flow from adapters and jobs inward to the core, never
 * back out, and platform and storage libraries stay at the edges.
 */
const CORE = '^(src/(core|domain|ports)|commands)/';
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-stays-inward',
      comment: 'commands, core, domain and ports import only each other (and pure libraries)',
      severity: 'error',
      from: { path: CORE },
      to: { path: '^(adapters|jobs|src/infra|src/composition)/' },
    },
    {
      name: 'domain-and-ports-are-leaves',
      severity: 'error',
      from: { path: '^src/(domain|ports)/' },
      to: { path: '^(src/core|commands)/' },
    },
    {
      name: 'ports-hold-interfaces-only',
      comment: 'ports are contracts: they import nothing but other ports and the domain (classes live in src/core or src/infra)',
      severity: 'error',
      from: { path: '^src/ports/' },
      to: { pathNot: '^src/(ports|domain)/' },
    },
    {
      name: 'jobs-import-no-commands',
      comment: 'what jobs share with commands (digest building, schedule maths, course names) lives in src/core or src/domain',
      severity: 'error',
      from: { path: '^jobs/' },
      to: { path: '^commands/' },
    },
    {
      name: 'platform-libraries-only-in-adapters',
      severity: 'error',
      from: { pathNot: '^adapters/' },
      to: { path: 'node_modules/(discord\\.js|@discordjs|@slack/bolt|@slack/web-api|@slack/socket-mode)/' },
    },
    {
      name: 'storage-and-queue-libraries-only-in-infra-and-jobs',
      severity: 'error',
      from: { pathNot: '^(src/infra|jobs)/' },
      to: { path: 'node_modules/(mongoose|mongodb|better-sqlite3|bullmq|ioredis)/' },
    },
    {
      name: 'composition-root-is-imported-by-nobody',
      comment: 'the composition root builds infra, jobs and adapters from the config; they declare the settings they need (StoreSettings, JobsSettings, …) instead of importing Config',
      severity: 'error',
      from: { path: '^(src/infra|jobs)/' },
      to: { path: '^src/composition/' },
    },
    {
      name: 'adapters-see-only-the-core',
      comment:
        'adapters get what they need through their own options type, built by the composition root: no config, composition root, infra, jobs or command modules',
      severity: 'error',
      from: { path: '^adapters/' },
      to: { path: '^(src|commands|jobs)/', pathNot: '^src/(core|domain|ports)/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      severity: 'error',
      from: { path: '^adapters/([^/]+)/' },
      to: { path: '^adapters/', pathNot: ['^adapters/$1/', '^adapters/shared/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
