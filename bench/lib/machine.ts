import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** What every figure was measured on; printed with the table and in the JSON line. */
export interface Machine {
  cores: number;
  cpu_model: string;
  node_version: string;
  platform: string;
  arch: string;
  memory_gb: number;
  /** Load before the bench started: above ~0.5 per core, other work shared the CPUs. */
  load_avg_1m: number;
}

export function describeMachine(): Machine {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpu_model: cpuList[0]?.model.trim() ?? 'unknown',
    node_version: process.version,
    platform: process.platform,
    arch: process.arch,
    memory_gb: Math.round(totalmem() / 2 ** 30),
    load_avg_1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

export function machineLine(m: Machine): string {
  return `${m.cpu_model}, ${m.cores} cores, ${m.memory_gb} GB, Node ${m.node_version}, ${m.platform}/${m.arch}, load ${m.load_avg_1m} at start, ${Math.round(freemem() / 2 ** 30)} GB free`;
}
