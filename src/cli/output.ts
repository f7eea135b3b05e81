/** Writes to stdout and resolves once the text is handed to the OS, so exiting right after loses nothing. */
export function print(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`, (err) => (err ? reject(err) : resolve()));
  });
}

/** JSON as the commands print it: indented, for people and jq alike. */
export function printJson(data: unknown): Promise<void> {
  return print(JSON.stringify(data, null, 2));
}
