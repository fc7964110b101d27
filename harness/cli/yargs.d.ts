/**
 * Types for the part of yargs 18 the CLI uses (yargs ships no types for its ESM entry and
 * @types/yargs is not a dependency; measurement.md §8.1). Values are typed `unknown` on
 * purpose: the CLI validates every value itself so errors are one clear line.
 */
declare module 'yargs' {
  export interface Options {
    type?: 'string' | 'number' | 'boolean' | 'array';
    alias?: string | readonly string[];
    describe?: string;
    default?: unknown;
    defaultDescription?: string;
    choices?: readonly string[];
    array?: boolean;
    string?: boolean;
    requiresArg?: boolean;
    nargs?: number;
    group?: string;
  }

  export interface Arguments {
    [key: string]: unknown;
    _: (string | number)[];
    $0: string;
  }

  export interface Argv {
    scriptName(name: string): Argv;
    usage(message: string): Argv;
    command(
      command: string,
      description: string,
      builder: (yargs: Argv) => Argv,
      handler: (args: Arguments) => void | Promise<void>,
    ): Argv;
    option(key: string, options: Options): Argv;
    example(command: string, description: string): Argv;
    epilogue(text: string): Argv;
    demandCommand(min: number, message?: string): Argv;
    recommendCommands(): Argv;
    strict(enabled?: boolean): Argv;
    help(): Argv;
    alias(key: string, alias: string): Argv;
    version(version: string | false): Argv;
    wrap(columns: number | null): Argv;
    exitProcess(enabled: boolean): Argv;
    fail(handler: (message: string | undefined, error: Error | undefined, yargs: Argv) => void): Argv;
    parserConfiguration(configuration: Record<string, boolean>): Argv;
    /** With a callback, help and version text are handed to it instead of being printed. */
    parseAsync(
      args?: readonly string[],
      context?: object,
      callback?: (error: Error | undefined, argv: Arguments, output: string) => void,
    ): Promise<Arguments>;
    terminalWidth(): number;
  }

  export default function yargs(args?: readonly string[]): Argv;
}

declare module 'yargs/helpers' {
  export function hideBin(argv: readonly string[]): string[];
}
