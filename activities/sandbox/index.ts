export { createSandbox, runSandboxed, sandbox, type Sandbox, type SandboxInput, type SandboxOptions, type SandboxProgress, type SandboxRun } from './runSandboxed';
export { SandboxError, type SandboxFailureReason, type SandboxStats } from './SandboxError';
export { sandboxFailure, SANDBOX_CRASHED } from './sandboxFailure';
export type { CrawlArchiveLimits, CrawlArchiveParams, CrawlArchiveResult, ParsedText } from './crawlArchive';
export type { SandboxTask, TaskRegistry } from './protocol';
export type { ParseTextParams } from './parseText';
