export { crawlRelease } from './crawlRelease';
