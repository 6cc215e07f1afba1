export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface RunningPostgres {
  connectionString: string;
  port: number;
  stop(): Promise<void>;
}

export function findRedisServer(): string | undefined;
export function findPostgresBin(): string | undefined;
export function requireService(name: string, found: unknown, installHint: string): boolean;
export function freePort(): Promise<number>;
export function startRedis(binary?: string): Promise<RunningRedis>;
export function startPostgres(binDir?: string): Promise<RunningPostgres>;
