// A CPU profile of every Node process of the system, written when the process exits.
//
//   PROFILE_DIR=/tmp/profiles NODE_OPTIONS="--import ./tools/bench/profile/cpu-profile.mjs" npm start
//
// Node refuses `--cpu-prof` in NODE_OPTIONS; this preload does the same through the inspector, so
// that the supervisor's children (which inherit NODE_OPTIONS) are profiled too. Each process writes
// `<service>-<pid>.cpuprofile` into PROFILE_DIR as it exits (npm start's Ctrl-C stops them all):
// open one in Chrome DevTools (Performance) or speedscope for a flame graph, or summarise it with
// `node tools/bench/profile/summarize.mjs <file>`.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import process from 'node:process';

const directory = process.env.PROFILE_DIR;
if (directory) {
  const session = new Session();
  session.connect();
  // A sample every 500 µs: fine enough for a request that costs a few hundred microseconds.
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  // `services/order-service/dist/main.js` → `order-service`; anything else by its file name.
  const entry = process.argv[1] ?? 'node';
  const parts = entry.split(path.sep);
  const name = parts.at(-2) === 'dist' ? (parts.at(-3) ?? 'node') : path.basename(entry, path.extname(entry));
  process.on('exit', () => {
    // A same-thread inspector session answers synchronously: the profile is written before the exit.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(path.join(directory, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
