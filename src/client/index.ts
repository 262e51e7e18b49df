// The typed client shipped with the registry (`import … from 'rbee-registry/client'`), on ioredis.

export { RegistryClient, heartbeatArgs } from './registry-client.js';
export type {
  BestWorkerOptions,
  ClaimOptions,
  ConnectionOptions,
  EventsReadOptions,
  FullState,
  WorkerListFilter,
} from './registry-client.js';
export { HeartbeatAgent } from './heartbeat-agent.js';
export type { AgentClock, AgentTimers, BeatInfo, HeartbeatAgentOptions } from './heartbeat-agent.js';
export { EventFollower } from './event-follower.js';
export type { EventFollowerOptions, FollowerItem } from './event-follower.js';
export { AuthenticationError, CompactedError, PermissionError, RegistryReplyError } from './errors.js';
export type {
  BestWorker,
  ClaimedWorker,
  EventsRev,
  Health,
  HiveRecord,
  HiveResources,
  RegistryEvent,
  WorkerFields,
  WorkerRecord,
  WorkerState,
} from './records.js';
