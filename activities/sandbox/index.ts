export { createSandbox, runSandboxed, sandbox, type Sandbox, type SandboxInput, type SandboxOptions, type SandboxProgress, type SandboxRun } from './runSandboxed';
export { SandboxError, type SandboxFailureReason, type SandboxStats } from './SandboxError';
export { sandboxFailure, SANDBOX_CRASHED } from './sandboxFailure';
export { changelogBytes, type TextLimits, type CrawlArchiveParams, type CrawlArchiveResult, type Found, type ParsedText } from './child/crawlArchive';
export { WithBytes } from './protocol';
export type { SandboxTask, TaskRegistry } from './protocol';
export type { ParseTextParams } from './child/parseText';
