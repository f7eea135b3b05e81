import type { FastifyPluginAsync } from 'fastify';
import health from './health.js';
import options from './options.js';
import sockopts from './sockopts.js';
import defaults from './defaults.js';
import profiles from './profiles.js';
import matrix from './matrix.js';
import benchmarks from './benchmarks.js';
import sweeps from './sweeps.js';
import peer from './peer.js';
import advice from './advice.js';

const routes: FastifyPluginAsync = async (app) => {
  await app.register(health);
  await app.register(options);
  await app.register(sockopts);
  await app.register(defaults);
  await app.register(profiles);
  await app.register(matrix);
  await app.register(benchmarks);
  await app.register(sweeps);
  await app.register(peer);
  await app.register(advice);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
};

export default routes;
