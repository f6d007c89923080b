// Peer benchmark: the npm package aws-local-stepfunctions (pinned in package.json), in-process.
//
//   node local_sfn_bench.mjs --workflows DIR [--only a,b] [--min-time SECONDS] [--max-runs N]
//
// For each workflow in DIR/manifest.json: builds the StateMachine once (validation included),
// warms up, then runs executions one after another (each awaited) for at least --min-time
// seconds and at most --max-runs executions. Prints one JSON object:
//   {"engine": "aws-local-stepfunctions", "version": "...", "results": {NAME: {
//      "executions": N, "seconds": S, "exec_per_s": E, "us_per_transition": U,
//      "status": "SUCCEEDED"|"FAILED", "output": ..., "error": ...}}}

// aws-local-stepfunctions 3.0.0 asks for Node 22; its only Node 22 API is Promise.withResolvers.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const { StateMachine } = await import('aws-local-stepfunctions');
// The package's "exports" hide package.json; read it from node_modules next to this script.
const here = dirname(fileURLToPath(import.meta.url));
const version = JSON.parse(
  readFileSync(join(here, 'node_modules/aws-local-stepfunctions/package.json'), 'utf8'),
).version;

function parseArgs(argv) {
  const args = { workflows: null, only: null, minTime: 1.0, maxRuns: 100000 };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === '--workflows') args.workflows = next();
    else if (a === '--only') args.only = next().split(',');
    else if (a === '--min-time') args.minTime = Number(next());
    else if (a === '--max-runs') args.maxRuns = Number(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.workflows) throw new Error('--workflows DIR is required');
  return args;
}

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

async function runOnce(machine, input) {
  // The input is copied per execution, as every engine receives its own copy.
  const execution = machine.run(structuredClone(input));
  return execution.result;
}

async function bench(entry, dir, args) {
  const definition = readJson(join(dir, `${entry.name}.json`));
  const input = readJson(join(dir, `${entry.name}.input.json`));
  const machine = new StateMachine(definition);

  const record = { transitions: entry.transitions };
  try {
    record.output = await runOnce(machine, input);
    record.status = 'SUCCEEDED';
  } catch (err) {
    record.status = 'FAILED';
    record.error = String(err && err.message ? err.message : err);
    return record;
  }
  // Warm-up: let V8 optimise the hot paths (about 0.2 s or 20 runs, whichever comes first).
  const warmEnd = performance.now() + 200;
  for (let i = 0; i < 20 && performance.now() < warmEnd; i++) await runOnce(machine, input);

  const start = performance.now();
  const deadline = start + args.minTime * 1000;
  let n = 0;
  do {
    await runOnce(machine, input);
    n++;
  } while (n < args.maxRuns && performance.now() < deadline);
  const seconds = (performance.now() - start) / 1000;
  record.executions = n;
  record.seconds = seconds;
  record.exec_per_s = n / seconds;
  record.us_per_transition = (seconds * 1e6) / (n * entry.transitions);
  return record;
}

const args = parseArgs(process.argv);
const manifest = readJson(join(args.workflows, 'manifest.json'));
const results = {};
for (const entry of manifest.workflows) {
  if (args.only && !args.only.includes(entry.name)) continue;
  results[entry.name] = await bench(entry, args.workflows, args);
}
process.stdout.write(
  JSON.stringify({ engine: 'aws-local-stepfunctions', version, node: process.version, results }) +
    '\n',
);
