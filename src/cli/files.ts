import { readFile } from 'node:fs/promises';
import { usageError } from './exit.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A JSON document from a file, or from stdin for "-"; an unreadable or malformed one is a usage error. */
export async function readJson(command: string, path: string): Promise<unknown> {
  let text: string;
  try {
    text = path === '-' ? await readStdin() : await readFile(path, 'utf8');
  } catch (err) {
    throw usageError(command, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw usageError(command, `${path === '-' ? 'stdin' : path} is not JSON: ${(err as Error).message}.`);
  }
}
