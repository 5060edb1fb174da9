export { crawlRelease } from './crawlRelease';
export { npmFollow } from './npmFollow';
export { pollRegistry } from './pollRegistry';
