// One temp-directory helper for the agent's and the gateway package's tests.
export { tempDir } from '@zra/gateway/testing';
