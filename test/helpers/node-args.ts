// Node's arguments for a child process that runs the project's TypeScript from source.
// tap's own TypeScript loader costs about 7 s of CPU to start a child on this code base, tsx (a
// devDependency) about 1 s: the suite starts well over a hundred children (every CLI test is one),
// so they load with tsx. Nothing else changes: the same sources, the same Node.

const isTapTypescript = (arg: string): boolean => /@tapjs[/\\]typescript/.test(arg);

/** This process's execArgv with tap's TypeScript loader swapped for tsx: tap's other hooks stay, so a child's coverage still counts. */
export const childExecArgv: string[] = process.execArgv.some(isTapTypescript)
  ? process.execArgv.map((arg) => (isTapTypescript(arg) ? '--import=tsx' : arg))
  : process.execArgv;

/** Only a TypeScript loader, for a child that must not carry tap's hooks (another uid, another namespace). */
export const tsLoader: string[] = ['--import=tsx'];
