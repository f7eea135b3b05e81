import { existsSync, lstatSync, openSync, closeSync, readSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { same } from '../json-documents.js';
import { parseSysctl, SYSCTLS, type SysctlValue } from '../kernel/sysctls.js';

// Running versus persisted: which sysctl file sets each sysctl at boot, in systemd-sysctl's order
// (sysctl.d(5)): *.conf files of /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d and
// /usr/lib/sysctl.d, a file name in an earlier directory hiding the same name in a later one,
// applied in file-name order so that a later file wins; then /etc/sysctl.conf. A `sysctl -w` that
// never reached a file is the running value no file has, and a reboot loses it.

export const SYSCTL_DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d'] as const;
export const SYSCTL_CONF = '/etc/sysctl.conf';

/** Bounds, so that a strange /etc cannot make a snapshot slow or large. */
const MAX_FILES = 256;
const MAX_FILE_BYTES = 1 << 20;
const MAX_MISSING = 256;

export interface SysctlSource {
  /** The file and line of the setting that wins. */
  file: string;
  line: number;
  /** The value the file sets, read as the sysctl's kind (null when it does not read as one). */
  value: SysctlValue | null;
  /** The running value is not the one the file sets: a reboot would change it. */
  differs: boolean;
}

export interface MissingSysctl {
  name: string;
  file: string;
  line: number;
}

export interface SysctlSources {
  /** The files read, in the order they apply (later ones win). */
  files: string[];
  /** For each listed sysctl a file sets: where, what, and whether the running value differs. */
  sysctls: Record<string, SysctlSource>;
  /** The listed sysctls whose running value differs from the persisted one. */
  differing: string[];
  /** Keys the files set that this kernel does not have (a typo, a module not loaded, another kernel). */
  missing: MissingSysctl[];
}

/** The files systemd-sysctl applies, in order, under `root`. */
function sysctlFiles(root: string): string[] {
  const chosen = new Map<string, string>();
  for (const dir of SYSCTL_DIRS) {
    let names: string[];
    try {
      names = readdirSync(join(root, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      if (name.endsWith('.conf') && !chosen.has(name)) chosen.set(name, join(dir, name));
    }
  }
  const files = [...chosen.keys()].sort().slice(0, MAX_FILES).map((name) => chosen.get(name)!);
  files.push(SYSCTL_CONF);
  return files;
}

function readBounded(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const buf = Buffer.alloc(MAX_FILE_BYTES);
    const n = readSync(fd, buf, 0, MAX_FILE_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } catch {
    // A directory named *.conf, or an unreadable file: it sets nothing.
    return null;
  } finally {
    closeSync(fd);
  }
}

/** sysctl.d(5): a key whose first separator is "/" uses "/" between names (and "." inside them). */
function dottedName(key: string): string {
  const sep = /[./]/.exec(key);
  if (!sep || sep[0] === '.') return key;
  return key.replace(/[./]/g, (c) => (c === '/' ? '.' : '/'));
}

interface Setting {
  name: string;
  text: string;
  file: string;
  line: number;
}

/** The settings of one file, in order: "name = value" lines, "#" and ";" comments, "-" for "ignore failure". */
function parseFile(text: string, file: string): Setting[] {
  const out: Setting[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq).trim().replace(/^-/, '');
    // Globs (net.ipv4.conf.*.rp_filter) name no one sysctl.
    if (key === '' || /[*?[]/.test(key)) return;
    out.push({ name: dottedName(key), text: line.slice(eq + 1).trim(), file, line: i + 1 });
  });
  return out;
}

/**
 * Where each listed sysctl is persisted under `root` ("/" but in tests), against the `running`
 * values a snapshot read. Keys are checked for existence under `root`/proc/sys. Never throws.
 */
export function readSysctlSources(running: Record<string, SysctlValue | null>, root = '/'): SysctlSources {
  const files: string[] = [];
  const last = new Map<string, Setting>();
  const seen = new Set<string>();
  for (const file of sysctlFiles(root)) {
    const path = join(root, file);
    let real: string;
    try {
      real = realpathSync(path);
      if (!lstatSync(real).isFile()) continue;
    } catch {
      continue;
    }
    // Debian's /etc/sysctl.d/99-sysctl.conf is a link to /etc/sysctl.conf: read it once, as the link.
    if (seen.has(real)) continue;
    seen.add(real);
    const text = readBounded(real);
    if (text === null) continue;
    files.push(file);
    for (const s of parseFile(text, file)) last.set(s.name, s);
  }
  const sysctls: Record<string, SysctlSource> = {};
  const differing: string[] = [];
  const missing: MissingSysctl[] = [];
  for (const { name, kind } of SYSCTLS) {
    const s = last.get(name);
    if (!s) continue;
    const value = parseSysctl(kind, s.text);
    const differs = value === null || !same(value, running[name] ?? null);
    sysctls[name] = { file: s.file, line: s.line, value, differs };
    if (differs) differing.push(name);
  }
  for (const s of last.values()) {
    if (missing.length < MAX_MISSING && !existsSync(join(root, 'proc/sys', ...s.name.split('.')))) {
      missing.push({ name: s.name, file: s.file, line: s.line });
    }
  }
  return { files, sysctls, differing, missing };
}
