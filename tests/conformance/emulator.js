'use strict';
// Starts `ferry emulator` for one test file, or uses the one named by
// FERRY_EMULATOR_REST / FERRY_EMULATOR_GRPC, and builds the official clients
// against it with no credentials.

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// Nothing here may reach Google or the GCE metadata server: no ADC lookup, no
// BIGQUERY_EMULATOR_HOST override of the endpoint we pass.
process.env.METADATA_SERVER_DETECTION = 'none';
delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
delete process.env.BIGQUERY_EMULATOR_HOST;
delete process.env.BIGQUERY_PICOSECOND_SUPPORT;

if (!fs.existsSync(path.join(__dirname, 'node_modules', '@google-cloud', 'bigquery'))) {
  throw new Error('the Node.js clients are not installed: run scripts/deps.sh ' +
                  '(or `npm ci` in tests/conformance)');
}
const {BigQuery} = require('@google-cloud/bigquery');
const {managedwriter, adapt} = require('@google-cloud/bigquery-storage');
const grpc = require('@grpc/grpc-js');
const {PassThroughClient} = require('google-auth-library');

const PROJECT = 'conformance-project';
const READY_TIMEOUT_MS = 20000;
const STOP_TIMEOUT_MS = 5000;

function findFerry() {
  if (process.env.FERRY_BIN) return process.env.FERRY_BIN;
  const candidate = path.resolve(__dirname, '..', '..', 'build', 'src', 'cli', 'ferry');
  if (fs.existsSync(candidate)) return candidate;
  throw new Error('set FERRY_BIN to the ferry binary (or FERRY_EMULATOR_REST/GRPC)');
}

// The emulator runs under a small sh watchdog in its own process group: the
// watchdog kills it as soon as our end of its stdin closes, which happens when
// stop() closes it and also when this process dies in any way (even SIGKILL),
// so no run leaves an emulator (or its scratch folder) behind. fd 3 keeps that
// stdin for the watcher; the emulator gets neither.
const WATCHDOG = 'exec 3<&0 0</dev/null; "$0" "$@" 3<&- & pid=$!; exec 2>/dev/null; ' +
    '(read -r _ <&3; kill -TERM "$pid" 2>/dev/null) & ' +
    'wait "$pid"; rc=$?; rm -rf "$FERRY_CONFORMANCE_TMP"; exit $rc';

const children = new Set();
function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
process.on('exit', () => children.forEach(killGroup));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => process.exit(128 + os.constants.signals[sig]));
}

function parseEndpoints(text) {
  const out = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1).trim();
  }
  return out;
}

// Resolves once the emulator has written its ready file (it does so only after
// both ports accept connections); rejects if it exits first or takes too long.
function waitForReady(child, readyFile, stderr) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let timer = null;
    const onExit = (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`ferry emulator exited (${code ?? signal}) before ready: ${stderr()}`));
    };
    child.once('exit', onExit);
    const poll = () => {
      if (fs.existsSync(readyFile)) {
        child.off('exit', onExit);
        resolve(parseEndpoints(fs.readFileSync(readyFile, 'utf8')));
        return;
      }
      if (Date.now() > deadline) {
        child.off('exit', onExit);
        reject(new Error(`ferry emulator not ready after ${READY_TIMEOUT_MS} ms: ${stderr()}`));
        return;
      }
      timer = setTimeout(poll, 25);
    };
    poll();
  });
}

async function startEmulator() {
  if (process.env.FERRY_EMULATOR_REST && process.env.FERRY_EMULATOR_GRPC) {
    return {
      rest: process.env.FERRY_EMULATOR_REST,
      grpc: process.env.FERRY_EMULATOR_GRPC,
      stop: async () => {},
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-conformance-'));
  const readyFile = path.join(dir, 'ready');
  const child = spawn(
      '/bin/sh',
      ['-c', WATCHDOG, findFerry(), 'emulator', '--rest-port', '0', '--grpc-port', '0', '--db',
       path.join(dir, 'bq.sqlite'), '--ready-file', readyFile],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
        detached: true,
        env: {...process.env, FERRY_CONFORMANCE_TMP: dir},
      });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', chunk => {
    stderr = (stderr + chunk).slice(-8192);
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise(resolve => child.once('exit', resolve));
      child.stdin.end();  // the watchdog sends SIGTERM
      const timer = setTimeout(() => killGroup(child), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    killGroup(child);  // the watcher subshell, if still there
    children.delete(child);
    fs.rmSync(dir, {recursive: true, force: true});
  };
  try {
    const endpoints = await waitForReady(child, readyFile, () => stderr);
    assert.ok(endpoints.rest && endpoints.grpc, `ready file lacks endpoints`);
    return {rest: endpoints.rest, grpc: endpoints.grpc, stop, stderr: () => stderr};
  } catch (err) {
    await stop();
    throw err;
  }
}

// The REST client: apiEndpoint at the emulator, an auth client that adds no
// headers (google-auth-library's documented choice for emulators), retries
// off so a deviation shows up as the first error rather than a slow timeout.
function restClient(emu) {
  return new BigQuery({
    apiEndpoint: emu.rest,
    projectId: PROJECT,
    authClient: new PassThroughClient(),
    autoRetry: false,
    maxRetries: 0,
  });
}

// The Storage Write client: plaintext gRPC, which google-gax uses as-is
// without asking the auth client for anything.
function writerClient(emu) {
  const [host, port] = splitHostPort(emu.grpc);
  return new managedwriter.WriterClient({
    apiEndpoint: host,
    servicePath: host,
    port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId: PROJECT,
    authClient: new PassThroughClient(),
  });
}

function splitHostPort(endpoint) {
  const colon = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, colon), Number(endpoint.slice(colon + 1))];
}

module.exports = {PROJECT, startEmulator, restClient, writerClient, managedwriter, adapt};
