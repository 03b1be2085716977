// The graphile-worker reference of `vigil-bench reminders`: N no-op jobs queued on the same
// PostgreSQL, then drained by one worker with the given concurrency (graphile-worker takes and
// completes jobs one at a time: unbatched). Prints the drain rate in jobs per second.
// Usage: node graphile_drain.js CONNECTION_STRING N CONCURRENCY
const { run, makeWorkerUtils, Logger } = require("graphile-worker");

// Quiet: stdout carries only the rate.
const logger = new Logger(() => () => {});

async function main() {
  const [connectionString, total, concurrency] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
  const utils = await makeWorkerUtils({ connectionString, logger });
  await utils.migrate();
  for (let queued = 0; queued < total; queued += 500) {
    const chunk = Math.min(500, total - queued);
    await Promise.all(Array.from({ length: chunk }, (_, i) => utils.addJob("noop", { i: queued + i })));
  }
  let done = 0;
  let finished;
  const allDone = new Promise((resolve) => (finished = resolve));
  const started = process.hrtime.bigint();
  const runner = await run({
    connectionString,
    concurrency,
    noHandleSignals: true,
    pollInterval: 100,
    logger,
    taskList: {
      noop: async () => {
        done += 1;
        if (done === total) finished();
      },
    },
  });
  await allDone;
  // Stopping waits for the last jobs to be marked complete.
  await runner.stop();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await utils.release();
  console.log((total / seconds).toFixed(1));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
