import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { takeDefaults } from '../src/host/defaults.js';
import { DefaultsSnapshotSchema, type DefaultsSnapshot } from '../src/host/schema.js';
import { TRANSPORTS } from '../src/options/types.js';
import { errorResponses, FormatQuery, StringEnum } from './schemas.js';
import { negotiate } from './negotiate.js';
import { table, valueText } from './text.js';

function defaultsText(s: DefaultsSnapshot): string {
  const h = s.host;
  const head = `${h.hostname}  kernel ${h.kernel}  ${h.arch}  ${h.cpus} cpus  ${h.cpuModel ?? ''}  taken ${h.takenAt}  sockets ${s.state}\n\n`;
  const sysctls = table(['SYSCTL', 'VALUE'], Object.entries(s.sysctls).map(([k, v]) => [k, Array.isArray(v) ? v.join(' ') : v]));
  const names = [...new Set(TRANSPORTS.flatMap((t) => Object.keys(s.sockets[t])))];
  const sockets = table(['OPTION', ...TRANSPORTS], names.map((n) => [n, ...TRANSPORTS.map((t) => (n in s.sockets[t] ? valueText(s.sockets[t][n]) : ''))]));
  return head + sysctls + '\n' + sockets;
}

const defaults: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/defaults', {
    schema: {
      summary: "This host's socket defaults: sysctls, and every readable option on a fresh (or connected) socket of each transport",
      tags: ['host'],
      querystring: Type.Object({
        state: Type.Optional(StringEnum(['fresh', 'connected'] as const, { description: 'fresh sockets (default) or the client side of a connected loopback pair' })),
        format: Type.Optional(FormatQuery),
      }, { additionalProperties: false }),
      response: { 200: DefaultsSnapshotSchema, ...errorResponses(400) },
    },
  }, async (request, reply) => {
    const snapshot = takeDefaults({ state: request.query.state ?? 'fresh', timeoutMs: app.config.SOCKBENCH_PROBE_TIMEOUT_MS });
    return negotiate(request, reply, snapshot, defaultsText);
  });
};

export default defaults;
