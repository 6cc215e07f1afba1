// Throwaway redis-server and PostgreSQL servers on 127.0.0.1 for the store tests and the benchmark.
// Plain JS so that packages/session/bench/stores.mjs (plain Node) can share it; types in services.d.mts.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const START_TIMEOUT_MS = 30_000;

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function which(command) {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
  for (const dir of dirs) {
    if (dir && isExecutable(join(dir, command))) return join(dir, command);
  }
  return undefined;
}

export function findRedisServer() {
  return which('redis-server');
}

/** The folder holding initdb and pg_ctl: Debian's newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function findPostgresBin() {
  const root = '/usr/lib/postgresql';
  try {
    const versions = readdirSync(root)
      .filter(
        (v) => isExecutable(join(root, v, 'bin', 'initdb')) && isExecutable(join(root, v, 'bin', 'pg_ctl')),
      )
      .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  } catch {
    // No Debian layout: fall back to PATH.
  }
  const initdb = which('initdb');
  return initdb !== undefined && which('pg_ctl') !== undefined ? join(initdb, '..') : undefined;
}

/**
 * Call when a server binary is missing: under CI this throws (the run must not pass without the
 * Redis/PostgreSQL tests); locally it warns and returns false so that the suite is skipped.
 */
export function requireService(name, found, installHint) {
  if (found) return true;
  const message = `${name} not found: the ${name} store tests cannot start their server. ${installHint}`;
  if (process.env.CI) throw new Error(`${message} (required when CI is set; .ci/services installs it)`);
  console.warn(`SKIPPING ${name} store tests: ${message}`);
  return false;
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
        `${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return result.stdout;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function redisPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy());
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(false));
  });
}

/** Starts `redis-server` on a free port of 127.0.0.1 without persistence. */
export async function startRedis(binary = findRedisServer()) {
  if (binary === undefined) throw new Error('redis-server not found');
  const dir = await mkdtemp(join(tmpdir(), 'dspy-ts-redis-'));
  const port = await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  let exited = false;
  const exit = new Promise((resolve) => child.once('exit', resolve)).then(() => {
    exited = true;
  });
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    await Promise.race([exit, sleep(5000).then(() => child.kill('SIGKILL'))]);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await redisPing(port))) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not start on 127.0.0.1:${port}:\n${output}`);
    }
    await sleep(50);
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

/**
 * Starts a throwaway PostgreSQL cluster (initdb into a temp folder, pg_ctl start on a free port of
 * 127.0.0.1, unix socket in the same folder). PostgreSQL refuses to run as root, so under root the
 * cluster belongs to the `postgres` user that Debian's package creates.
 */
export async function startPostgres(binDir = findPostgresBin()) {
  if (binDir === undefined) throw new Error('initdb/pg_ctl not found');
  const base = await mkdtemp(join(tmpdir(), 'dspy-ts-pg-'));
  const data = join(base, 'data');
  const log = join(base, 'server.log');
  let asUser = (command, args) => [command, args];
  if (process.getuid?.() === 0) {
    const uid = Number(run('id', ['-u', 'postgres']).trim());
    const gid = Number(run('id', ['-g', 'postgres']).trim());
    await chown(base, uid, gid);
    const runuser = which('runuser');
    asUser = runuser
      ? (command, args) => [runuser, ['-u', 'postgres', '--', command, ...args]]
      : (command, args) => [
          which('su') ?? 'su',
          ['postgres', '-s', '/bin/sh', '-c', [command, ...args].map((a) => `'${a}'`).join(' ')],
        ];
  }
  const exec = (name, args) => run(...asUser(join(binDir, name), args));
  exec('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const serverOptions = [
    `-p ${port}`,
    `-k ${base}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const stop = async () => {
    try {
      exec('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
    await rm(base, { recursive: true, force: true });
  };
  try {
    exec('pg_ctl', [
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-t',
      String(START_TIMEOUT_MS / 1000),
      '-o',
      serverOptions,
      'start',
    ]);
  } catch (error) {
    const serverLog = await readFile(log, 'utf8').catch(() => '');
    await stop();
    throw new Error(`${error.message}\n${serverLog}`);
  }
  return { connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, port, stop };
}
