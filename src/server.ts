import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { loadConfig, type Config } from './config.js';
import { StoreOpenError } from './runs/store.js';
import { BaselineError } from './host/baseline.js';
import { exposureRefusal, isLoopbackHost } from './security/exposure.js';

/**
 * Reads the configuration from `env`, listens, and closes gracefully on SIGTERM/SIGINT. Shared by
 * `npm start` (this file as the entry) and `sockbench serve`: an invalid configuration (a
 * non-loopback address without a token, too), an unusable database or baseline exits 2 with one line on
 * stderr, a port that cannot be bound exits 1.
 */
export async function start(env: Record<string, string | undefined> = process.env): Promise<FastifyInstance> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    process.stderr.write(`sockbench: invalid configuration: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const refusal = exposureRefusal(config);
  if (refusal) {
    process.stderr.write(`sockbench: ${refusal}\n`);
    process.exit(2);
  }

  let app: FastifyInstance;
  try {
    app = await buildApp({ config });
  } catch (err) {
    if (!(err instanceof StoreOpenError || err instanceof BaselineError)) throw err;
    process.stderr.write(`sockbench: ${err.message}\n`);
    process.exit(2);
  }

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
  if (!config.SOCKBENCH_TOKEN && !isLoopbackHost(config.SOCKBENCH_HOST)) {
    app.log.warn({ host: config.SOCKBENCH_HOST }, 'no SOCKBENCH_TOKEN and SOCKBENCH_ALLOW_ANONYMOUS=true: anyone who can reach this address may use the API');
  }
  return app;
}

/** True when node was started with this file (node dist/src/server.js), not when it is imported. */
function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntry()) await start();
