import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { StringEnum } from '../src/schema-types.js';

// Schemas of the HTTP surface shared by several routes (queries, ids, errors), and the owners'
// schemas that routes use, re-exported.

export { NullableNumber, SideSchema, StringEnum } from '../src/schema-types.js';
export {
  AccessSchema, DecodedValueSchema, LevelNameSchema, NullableValue, OptionErrorSchema, OptionReportSchema, OptionSchema, OptionsInputSchema, OptionValueInput, PhaseSchema,
  ProbeRequestSchema, ProbeResultSchema, RequestedValueSchema, TransportSchema, ValueTypeSchema,
} from '../src/options/schema.js';
export { FindingSchema, FindingShortSchema } from '../src/advice/findings.js';
export { KernelCountersSchema } from '../src/advice/counters.js';

export const FormatQuery = StringEnum(['json', 'text'] as const, { description: 'text: an aligned table for terminals (same as Accept: text/plain)' });
/** For documents that are rows of figures, which spreadsheets and CI artifacts want as CSV. */
export const TableFormatQuery = StringEnum(['json', 'text', 'csv'] as const, { description: 'text: an aligned table for terminals (same as Accept: text/plain); csv: for spreadsheets (same as Accept: text/csv)' });

/** For results that CI systems read as test reports. */
export const ReportFormatQuery = StringEnum(['json', 'text', 'junit', 'tap'] as const, { description: 'text: a table for terminals (Accept: text/plain); junit: JUnit XML, one testsuite per host and one testcase per key (Accept: application/xml); tap: TAP 14' });

/** The :id of a stored resource (a run, a snapshot, a peer session). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'Stable SOCKBENCH_* code' }),
  error: Type.String(),
  message: Type.String({ description: 'What went wrong and what to change' }),
  field: Type.Optional(Type.String({ description: 'The request field at fault, e.g. body.options.SO_LINGER' })),
  suggestions: Type.Optional(Type.Array(Type.String(), { description: 'Nearest valid names' })),
}, { $id: 'Error' });
export type ErrorBody = Static<typeof ErrorSchema>;

export const errorResponses = (...codes: number[]): Record<number, TSchema> =>
  Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

const MAX_PAGE = 200;

/** limit/offset paging, newest first. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20, description: `Items per page (at most ${MAX_PAGE})` })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Items to skip' })),
};


/** A 200 that is not JSON (an event stream, an SVG, Prometheus text), as the document describes it. */
export const textResponse = (mediaType: string, description: string) => ({
  200: { description, content: { [mediaType]: { schema: Type.String() } } },
});
