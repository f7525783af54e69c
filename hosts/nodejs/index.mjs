// The function's handler (index.handler) for Lambda's Node.js runtimes: the lambdakit binary
// beside this file (`function`) runs as a child process for the whole execution environment.
// Made by `lambdakit package --runtime nodejs22.x`; see host.mjs and docs/stdio.md.
import { StdioHost } from './host.mjs';

const host = new StdioHost(new URL('./function', import.meta.url).pathname);
await host.start();  // in Init: the child's start and its own Init are timed as Lambda's Init

export const handler = host.handler;
