// Request/response patterns and cache-hint events carried by @nestjs/microservices over Redis.
// The Redis transport drops messages nobody listens to: nothing that must arrive goes through here.
export const RpcPattern = {
  ConnectionsResolve: 'connections.resolve.v1',
  ConnectionsCheckApis: 'connections.check-apis.v1',
  FlowsVersion: 'flows.version.v1',
  FlowsMatchTrigger: 'flows.match-trigger.v1',
  /** The active versions' triggers for one channel: the worker matches messages itself, from a cache. */
  FlowsActiveTriggers: 'flows.active-triggers.v1',
  /** The APIs a flow calls and their connections, without secrets (a flow's export). */
  ConnectionsExportApis: 'connections.export-apis.v1',
  /** A bundle's connections and APIs matched by name or created (a flow's import). */
  ConnectionsImportApis: 'connections.import-apis.v1',
  /** A flow version's forms made Flows on the Cloud API, for each of the flow's channels (messaging). */
  MessagingPublishForms: 'messaging.publish-forms.v1',
  /** The ids of a workspace's channels (messaging): an API trigger's channel is checked against them. */
  MessagingChannels: 'messaging.channels.v1',
} as const;
export type RpcPattern = (typeof RpcPattern)[keyof typeof RpcPattern];

export const EventPattern = {
  ConnectionChanged: 'connection.changed.v1',
  FlowPublished: 'flow.published.v1',
} as const;
export type EventPattern = (typeof EventPattern)[keyof typeof EventPattern];
