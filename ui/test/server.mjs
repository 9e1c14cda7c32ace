// Starts a real `funcstack serve` for the UI's tests: built from this
// repository (or $FUNCSTACK_BIN), SQLite in a temporary data folder, the
// given workspace folder (default: an empty one), a free port on
// 127.0.0.1, and an admin token of its own.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
    s.on('error', rej);
  });
}

export async function startServer({ workspace, env = {} } = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'funcstack-ui-test-'));
  let bin = process.env.FUNCSTACK_BIN;
  if (!bin) {
    bin = join(tmp, 'funcstack');
    execFileSync('go', ['build', '-o', bin, './cmd/funcstack'], { cwd: repo, stdio: 'inherit' });
  }
  const ws = workspace || join(tmp, 'workspace');
  mkdirSync(ws, { recursive: true });
  const port = await freePort();
  const token = 'test-admin-token-' + Math.random().toString(36).slice(2);
  const proc = spawn(bin, ['serve', '--workspace', ws, '--data', join(tmp, 'data'), '--addr', `127.0.0.1:${port}`], {
    env: { ...process.env, FUNCSTACK_ADMIN_TOKEN: token, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stderr.on('data', (d) => (out += d));
  await new Promise((res, rej) => {
    const t = setTimeout(() => rej(new Error(`funcstack serve did not start in 60s:\n${out}`)), 60000);
    proc.stdout.on('data', (d) => { out += d; if (/admin token/.test(out)) (clearTimeout(t), res()); });
    proc.on('exit', (c) => rej(new Error(`funcstack serve exited (${c}):\n${out}`)));
  });
  return {
    proc, token, base: `http://127.0.0.1:${port}`, output: () => out,
    stop() { proc.kill(); rmSync(tmp, { recursive: true, force: true }); },
  };
}
