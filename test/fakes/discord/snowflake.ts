/** Discord ids: milliseconds since 2015 in the top bits, then worker, process and a counter. */
const DISCORD_EPOCH = 1_420_070_400_000n;
let counter = 0n;

export function snowflake(at: number = Date.now()): string {
  counter = (counter + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | counter).toString();
}

/** The shard Discord routes a guild's events to: (guild_id >> 22) % shard_count. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** A fresh guild id that lands on `shard` of `count`. */
export function guildIdOnShard(shard: number, count: number): string {
  for (let ms = Date.now(); ; ms--) {
    const id = snowflake(ms);
    if (shardOf(id, count) === shard) return id;
  }
}
