// What every part of the broker bench shares: the group it measures and a logger that says nothing.

export const group = 'broker-a';
export const silent = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
