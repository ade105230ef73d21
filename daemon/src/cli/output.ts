/** A failure the user can act on: printed as one line, exit code as given. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

export function printJson(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What a command prints: the API's JSON (--json), only the id (--quiet, for `$(…)`), or words. */
export function emit(o: { json?: boolean; quiet?: boolean }, value: { id?: string } & object, words: () => string) {
  if (o.json) return printJson(value);
  if (o.quiet && value.id) return void process.stdout.write(`${value.id}\n`);
  const text = words();
  process.stdout.write(text.endsWith('\n') || !text ? text : `${text}\n`);
}

/** Lines of a listing, or what to say when there is none. */
export function printList<T>(items: T[], line: (item: T) => string, none: string) {
  process.stdout.write(items.length ? `${items.map(line).join('\n')}\n` : `${none}\n`);
}
