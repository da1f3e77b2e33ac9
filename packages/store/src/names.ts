// Name rules shared by commands and metadata (RocketMQ's: letters, digits, % _ | -).

import { groupNameCharsMax, queueIdMax, topicNameCharsMax } from './constants.ts';
import { InvalidArgumentError } from './errors.ts';

const namePattern = /^[A-Za-z0-9%_|-]+$/;

export function isValidTopic(topic: string): boolean {
  return topic.length > 0 && topic.length <= topicNameCharsMax && namePattern.test(topic);
}

export function isValidGroup(group: string): boolean {
  return group.length > 0 && group.length <= groupNameCharsMax && namePattern.test(group);
}

export function isValidQueueId(queueId: number): boolean {
  return Number.isInteger(queueId) && queueId >= 0 && queueId <= queueIdMax;
}

export function checkTopic(topic: string): void {
  if (!isValidTopic(topic)) throw new InvalidArgumentError(`invalid topic name ${JSON.stringify(topic)}`);
}

export function checkGroup(group: string): void {
  if (!isValidGroup(group)) throw new InvalidArgumentError(`invalid group name ${JSON.stringify(group)}`);
}

export function checkQueueId(queueId: number): void {
  if (!isValidQueueId(queueId)) throw new InvalidArgumentError(`queue id ${queueId} outside [0, ${queueIdMax}]`);
}
