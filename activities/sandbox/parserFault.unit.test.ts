import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import type { LogLevel, LogMetadata } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { PARSER_FAULT } from '../../changelog/ParserFault';
import { FAILURE_TYPES } from '../../workflows/types';
import { createSandbox } from './runSandboxed';
import { SandboxError } from './SandboxError';
import { SANDBOX_CRASHED, sandboxFailure } from './sandboxFailure';
import type { tasks } from './fixtures/parserFaultTasks';

// A real child process whose task throws a ParserFault, as the production tasks do when the parser fails.
const sandbox = createSandbox<typeof tasks>(path.join(__dirname, 'fixtures/parserFaultTasks.ts'));

jest.setTimeout(30_000);

async function faultInSandbox(options: { freshChild?: boolean } = {}): Promise<SandboxError> {
  const err: unknown = await sandbox.run('parserFault', { params: { fileName: 'CHANGELOG.md' } }, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof SandboxError)) throw new Error(`expected a SandboxError, got ${String(err)}`);
  return err;
}

interface Logged {
  level: LogLevel;
  message: string;
  meta?: LogMetadata;
}

/** `sandboxFailure` inside an activity, with the errors it logged. */
async function inActivity(err: SandboxError): Promise<{ failure: unknown; errors: Logged[] }> {
  const logged: Logged[] = [];
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => void logged.push({ level, message, ...(meta && { meta }) });
  const at = (level: LogLevel) => (message: string, meta?: LogMetadata) => log(level, message, meta);
  const logger = { log, trace: at('TRACE'), debug: at('DEBUG'), info: at('INFO'), warn: at('WARN'), error: at('ERROR') };
  const failure = await new MockActivityEnvironment(undefined, { logger }).run(async () => sandboxFailure(err));
  return { failure, errors: logged.filter((l) => l.level === 'ERROR') };
}

describe('a parser fault in the sandbox', () => {
  it('reaches the host as a task error that keeps the fault’s name, message and file name', async () => {
    const err = await faultInSandbox({ freshChild: true });
    expect(err.reason).toBe('task-error');
    expect(err.cause).toMatchObject({ name: PARSER_FAULT });
    expect(err.message).toBe("ParserFault: CHANGELOG.md: TypeError: Cannot read properties of undefined (reading 'line')");
  });

  it('ends the crawl step with a non-retryable ParserFault, not a rejection, and is logged', async () => {
    const { failure, errors } = await inActivity(await faultInSandbox({ freshChild: true }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: FAILURE_TYPES.parserFault, nonRetryable: true, message: expect.stringContaining('CHANGELOG.md: TypeError') });
    expect((failure as ApplicationFailure).type).not.toBe(FAILURE_TYPES.rejected);
    expect(errors).toEqual([expect.objectContaining({ meta: expect.objectContaining({ error: expect.stringContaining('ParserFault: CHANGELOG.md') }) })]);
  });

  it('is retried in a fresh child when the child had served earlier tasks', async () => {
    const err = await faultInSandbox({ freshChild: true });
    const reused = new SandboxError(err.reason, err.message, { ...err.stats, reusedChild: true }, { cause: err.cause });
    expect(sandboxFailure(reused)).toMatchObject({ type: SANDBOX_CRASHED, nonRetryable: false });
  });
});
