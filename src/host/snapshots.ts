import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { DefaultsSnapshotSchema } from './schema.js';
import { errors } from '../errors.js';
import type { RunStore, StoredSnapshot } from '../runs/store.js';
import { compareDocuments, type Difference } from '../json-documents.js';
import { NOT_COMPARED } from './schema.js';
import { takeDefaults, type DefaultsSnapshot, type SnapshotState } from './defaults.js';
import { resolveBaseline, type BaselineInput } from './profiles.js';
import { checkBaseline, type RuleMismatch } from './rules.js';
import { matrixOf, type MatrixResult } from './matrix.js';

/** A snapshot given inline (from any host's GET /v1/defaults), by stored id, or "current" for this host now. */
export type SnapshotRef = string | Record<string, unknown>;

export interface DiffResult {
  identical: boolean;
  /** Paths compared: those of either document, the ignored ones aside. */
  compared: number;
  differences: Difference[];
  ignored: string[];
  a: SnapshotSource;
  b: SnapshotSource;
}

export interface SnapshotSource {
  /** stored: by id; inline: given in the request; current: taken now. */
  source: 'stored' | 'inline' | 'current';
  id: string | null;
  hostname: string | null;
  takenAt: string | null;
  state: string | null;
}

export interface CheckResult {
  ok: boolean;
  checked: number;
  /** Pointers of the baseline entries this host meets. */
  passed: string[];
  mismatches: RuleMismatch[];
  /** The profile checked, if the request named one. */
  profile: string | null;
  state: SnapshotState;
  host: DefaultsSnapshot['host'];
}


export const CURRENT = 'current';

export type Snapshot = StoredSnapshot & { document: DefaultsSnapshot };

/** A stored snapshot as lists show it (GET /v1/defaults/snapshots). */
export const StoredSnapshotSchema = Type.Object({
  id: Type.String(), createdAt: Type.String({ format: 'date-time' }), label: Type.Union([Type.String(), Type.Null()]), hostname: Type.String(), state: Type.String(),
}, { additionalProperties: false });

/** A stored snapshot with its document (POST and GET /v1/defaults/snapshots/{id}). */
export const SnapshotSchema = Type.Object({ ...StoredSnapshotSchema.properties, document: DefaultsSnapshotSchema }, { additionalProperties: false });

interface Resolved {
  doc: Record<string, unknown>;
  source: SnapshotSource;
  /** A stored snapshot's label. */
  label?: string | null;
}

function sourceOf(doc: Record<string, any>, source: SnapshotSource['source'], id: string | null): SnapshotSource {
  const host = doc.host ?? {};
  return {
    source, id,
    hostname: typeof host.hostname === 'string' ? host.hostname : null,
    takenAt: typeof host.takenAt === 'string' ? host.takenAt : null,
    state: typeof doc.state === 'string' ? doc.state : null,
  };
}

/** Defaults snapshots: taken, kept in the store, compared with each other and with baselines. */
export class SnapshotService {
  constructor(private readonly store: RunStore, private readonly timeoutMs: number) {}

  take(state: SnapshotState): DefaultsSnapshot {
    return takeDefaults({ state, timeoutMs: this.timeoutMs });
  }

  /** Takes this host's snapshot now and keeps it. */
  save(state: SnapshotState, label: string | null): Snapshot {
    const document = this.take(state);
    const stored: Snapshot = { id: randomUUID(), createdAt: new Date().toISOString(), label, hostname: document.host.hostname, state, document };
    this.store.putSnapshot(stored);
    return stored;
  }

  get(id: string): Snapshot | undefined {
    return this.store.getSnapshot(id) as Snapshot | undefined;
  }

  list(limit: number, offset: number) {
    return this.store.listSnapshots(limit, offset);
  }

  remove(id: string): boolean {
    return this.store.deleteSnapshot(id);
  }

  /** The document a stored or inline reference stands for, or null for "current". Unknown ids are 404s naming the field. */
  #lookup(ref: SnapshotRef, field: string): Resolved | null {
    if (typeof ref !== 'string') return { doc: ref, source: sourceOf(ref, 'inline', null) };
    if (ref === CURRENT) return null;
    const stored = this.get(ref);
    if (!stored) throw errors.snapshotNotFound(`${field}: no stored snapshot ${ref}. POST /v1/defaults/snapshots stores one; GET /v1/defaults/snapshots lists them.`, field);
    const doc = stored.document as unknown as Record<string, unknown>;
    return { doc, source: sourceOf(doc, 'stored', stored.id), label: stored.label };
  }

  #current(state: SnapshotState): Resolved {
    const doc = this.take(state) as unknown as Record<string, unknown>;
    return { doc, source: sourceOf(doc, 'current', null) };
  }

  /**
   * Differences between two snapshots, host identity aside. "current" takes this host's snapshot
   * in the other side's state, so that a stored connected snapshot meets a connected one.
   */
  diff(a: SnapshotRef, b: SnapshotRef, ignore: string[]): DiffResult {
    const la = this.#lookup(a, 'body.a');
    const lb = this.#lookup(b, 'body.b');
    const stateOf = (r: Resolved | null): SnapshotState | null => {
      const s = r?.source.state;
      return s === 'fresh' || s === 'connected' ? s : null;
    };
    const state = stateOf(la) ?? stateOf(lb) ?? 'fresh';
    // Taken at most once, and only when a side asks for it: "current" on both sides is one snapshot.
    let current: Resolved | undefined;
    const now = () => (current ??= this.#current(state));
    const ra = la ?? now();
    const rb = lb ?? now();
    const ignored = [...NOT_COMPARED, ...ignore];
    const { compared, differences } = compareDocuments(ra.doc, rb.doc, ignored);
    return { identical: differences.length === 0, compared, differences, ignored, a: ra.source, b: rb.source };
  }

  /**
   * The matrix of many snapshots, host identity aside. "current" is taken once, in the state of
   * the first snapshot that has one, so that it meets stored connected snapshots as connected.
   */
  matrix(refs: SnapshotRef[], ignore: string[]): MatrixResult {
    const looked = refs.map((ref, i) => this.#lookup(ref, `body.snapshots.${i}`));
    const first = looked.find((r) => r?.source.state === 'fresh' || r?.source.state === 'connected');
    let current: Resolved | undefined;
    const entries = looked.map((r) => {
      const { doc, source, label } = r ?? (current ??= this.#current((first?.source.state ?? 'fresh') as SnapshotState));
      return { doc, host: { ...source, label: label ?? null } };
    });
    return matrixOf(entries, [...NOT_COMPARED, ...ignore]);
  }

  /**
   * This host against a baseline (identity fields in it are ignored) or a named profile with
   * overrides. Bad rules are 400s naming their path, before any snapshot is taken.
   */
  check(input: BaselineInput, state: SnapshotState | undefined): CheckResult {
    const { baseline, profile, state: stateInBaseline } = resolveBaseline(input, 'body');
    const effective = state ?? stateInBaseline ?? 'fresh';
    const current = this.take(effective);
    const { checked, passed, mismatches } = checkBaseline(current, baseline);
    return { ok: mismatches.length === 0, checked, passed, mismatches, profile, state: effective, host: current.host };
  }
}
