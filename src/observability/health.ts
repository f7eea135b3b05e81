import { Type, type Static } from '@sinclair/typebox';
import { VERSION } from '../version.js';

// Liveness (GET /health): answers while the event loop is alive, with the version and uptime.

export const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
}, { additionalProperties: false });
export type Health = Static<typeof HealthSchema>;

export function health(): Health {
  return { status: 'ok', version: VERSION, uptimeSeconds: Math.round(process.uptime() * 1000) / 1000 };
}
