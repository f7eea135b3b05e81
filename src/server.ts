import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

// Process entry: read the environment, listen, and close gracefully on SIGTERM/SIGINT.
let config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`sockbench: invalid configuration: ${(err as Error).message}\n`);
  process.exit(2);
}

const app = await buildApp({ config });

closeWithGrace({ delay: config.SOCKBENCH_SHUTDOWN_TIMEOUT_MS, logger: app.log }, async ({ signal, err }) => {
  if (err) app.log.error({ err }, 'closing after an uncaught error');
  else app.log.info({ signal }, 'closing');
  await app.close();
});

try {
  await app.listen({ host: config.SOCKBENCH_HOST, port: config.SOCKBENCH_PORT });
} catch (err) {
  app.log.fatal({ err }, `cannot listen on ${config.SOCKBENCH_HOST}:${config.SOCKBENCH_PORT}`);
  process.exit(1);
}
