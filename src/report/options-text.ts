import type { CatalogEntry } from '../options/types.js';
import { table } from './text.js';

/** The catalog as a table, one option a line. */
export function optionsText(list: readonly CatalogEntry[]): string {
  return table(
    ['NAME', 'LEVEL', 'NUM', 'TYPE', 'ACCESS', 'PHASE', 'PRIVILEGE', 'TRANSPORTS'],
    list.map((o) => [o.name, o.level, o.optname, o.type, o.access, o.phase, o.privilege, o.transports.join(',')]),
  );
}

/** One option of the catalog, field by field. */
export function optionText(o: CatalogEntry): string {
  return table(['FIELD', 'VALUE'], [
    ['name', o.name], ['level', `${o.level} (${o.levelNumber})`], ['optname', o.optname], ['type', o.type],
    ['access', o.access], ['transports', o.transports.join(', ')], ['effectiveOn', o.effectiveOn?.join(', ')],
    ['phase', o.phase], ['privilege', o.privilege], ['man', o.man], ['summary', o.summary],
  ]);
}
