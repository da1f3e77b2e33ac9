export { encodeMessages, measureMessage, batchBytes } from './encode.ts';
export { decodeMessages } from './decode.ts';
export { messageTypeAppend } from './format.ts';
