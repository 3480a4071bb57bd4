import { createLogger, flushTelemetry, start } from '@microshop/chassis';
import { loadConfig, startEnvironment } from './config.js';
import { openMonolith } from './monolith.js';

start('monolith', async () => {
  const config = loadConfig();
  const log = createLogger('monolith', config.LOG_LEVEL);
  const monolith = await openMonolith(config, startEnvironment());
  const doors = await monolith.listen();
  log.info({ doors, databases: monolith.databases }, `monolith ready: the gateway on http://${config.HOST}:${config.PORT}, ${monolith.modules.size} modules in process ${process.pid}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'monolith stopping');
    setTimeout(() => process.exit(1), 10_000).unref();
    monolith.close().then(
      () => flushTelemetry().then(() => process.exit(0)),
      (error: unknown) => {
        log.error({ err: error }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
});
