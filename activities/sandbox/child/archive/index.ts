export { readRootFiles } from './readRootFiles';
export { decodeText, type DecodedText, type DecodeTextOptions, type TextEncodingName } from './decodeText';
export * from './types';
