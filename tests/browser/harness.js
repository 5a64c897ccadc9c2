// What the browser tests stand on: a real tolkd on 127.0.0.1 with an ephemeral port, a fresh
// store whose first admin is made by `tolkctl bootstrap` (as tests/integration/test_api.py's
// ApiBroker does), the test certificate, and a small HTTPS client for setting things up
// through the REST API. Nothing here sleeps for a fixed time: it waits for what it needs.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

export const ADMIN = 'root.admin';
export const ADMIN_PASSWORD = 'correct horse battery staple';

function need(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run tools/browser-test.sh)`);
  return value;
}

// Starts tolkd; resolves to {url, port, ca, stop(), log()} once it listens.
export async function startBroker() {
  const tolkd = need('TOLKD');
  const tolkctl = need('TOLKCTL');
  const certs = need('TOLK_TEST_CERTS');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tolk-browser-'));
  const db = path.join(dir, 'data', 'tolk.db');
  const key = path.join(dir, 'data', 'data.key');
  const boot = spawnSync(tolkctl, ['--db', db, '--data-key', key, 'bootstrap', '--username', ADMIN],
    { input: `${ADMIN_PASSWORD}\n`, encoding: 'utf8', timeout: 60000 });
  if (boot.status !== 0) throw new Error(`tolkctl bootstrap failed: ${boot.stderr}`);
  const config = path.join(dir, 'tolkd.conf');
  fs.writeFileSync(config, [
    '[server]', 'event_loop = libev',
    '[tls]', `certificate = ${path.join(certs, 'cert.pem')}`, `private_key = ${path.join(certs, 'key.pem')}`,
    '[store]', `database = ${db}`, `data_key_file = ${key}`,
    '[log]', 'level = info', '',
  ].join('\n'));
  const stderrPath = path.join(dir, 'stderr.log');
  const stderr = fs.openSync(stderrPath, 'w');
  const child = spawn(tolkd, ['--config', config, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', stderr] });
  const log = () => fs.readFileSync(stderrPath, 'utf8');
  // SIGTERM, as in production: tolkd must then exit 0 (in the sanitizer build, a leak or any
  // other finding makes it exit otherwise). Resolves to an error text, or '' if it exited well.
  const stop = async () => {
    let problem = '';
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
      const { code, signal } = await exited;
      clearTimeout(timer);
      if (code !== 0) problem = `tolkd exited with ${code ?? signal} after SIGTERM: ${log().slice(-4000)}`;
    }
    fs.closeSync(stderr);
    fs.rmSync(dir, { recursive: true, force: true });
    return problem;
  };
  const port = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`tolkd did not start: ${log()}`)), 60000);
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const m = buffered.match(/listening on 127\.0\.0\.1:(\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tolkd exited (${code}): ${log()}`));
    });
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  child.stdout.resume();
  return { url: `https://127.0.0.1:${port}/`, port, ca: fs.readFileSync(path.join(certs, 'ca.pem')), stop, log };
}

// One REST API request over HTTPS, verifying the test CA: {status, body}.
export function api(broker, method, apiPath, { body, token } = {}) {
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (data) {
    headers['Content-Type'] = 'application/json';
    headers['Content-Length'] = data.length;
  } else if (method !== 'GET') {
    headers['Content-Length'] = 0;
  }
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: broker.port, method, path: `/api/v1${apiPath}`, headers, ca: broker.ca,
      servername: 'localhost', timeout: 60000,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${apiPath}`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// api() that insists on STATUS and returns the body.
export async function must(broker, status, method, apiPath, options) {
  const r = await api(broker, method, apiPath, options);
  if (r.status !== status) throw new Error(`${method} ${apiPath}: ${r.status} ${JSON.stringify(r.body)}, expected ${status}`);
  return r.body;
}
