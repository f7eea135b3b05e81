import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

// Building blocks of the API's schemas, for every layer that owns one of them. Enums are plain
// JSON-schema enums (not unions of literals) so that a wrong value gets one clear validation
// message listing the allowed ones.

export function StringEnum<T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/**
 * The schema or null, as a type list (`"type": ["object", "null"]`, OpenAPI 3.1) rather than an
 * anyOf of the schema and null: one schema, which generated clients read as a nullable type and
 * Ajv checks with one typeof. For schemas with a single `type` only.
 */
export function Nullable<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T> | null> {
  const type = (schema as { type?: unknown }).type;
  if (typeof type !== 'string') throw new Error('Nullable() needs a schema with one type');
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'], ...(description === undefined ? {} : { description }) });
}

export const NullableNumber = Nullable(Type.Number());
export const NullableInteger = Nullable(Type.Integer());

export const SideSchema = StringEnum(['client', 'server'] as const);
