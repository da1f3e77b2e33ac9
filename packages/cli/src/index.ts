export { startCommand, type StartOptions } from './start-command.ts';
