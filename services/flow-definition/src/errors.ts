/** Codes of the flow-definition module, beside the platform's common ones. */
export const FlowErrorCode = {
  FlowNotFound: 'FLOW_NOT_FOUND',
  VersionNotFound: 'VERSION_NOT_FOUND',
  NameTaken: 'FLOW_NAME_TAKEN',
  FlowInvalid: 'FLOW_INVALID',
  DraftChanged: 'DRAFT_CHANGED',
  /** A save with If-Match: the draft has been saved since that revision. */
  RevisionChanged: 'REVISION_CHANGED',
  FlowNotActive: 'FLOW_NOT_ACTIVE',
  ApiTriggerNotEnabled: 'API_TRIGGER_NOT_ENABLED',
  ChannelNotListened: 'CHANNEL_NOT_LISTENED',
  /** An API trigger or a flow's channels name a channel the workspace does not have (as the messaging service says). */
  ChannelNotFound: 'CHANNEL_NOT_FOUND',
  ConnectionsUnavailable: 'CONNECTIONS_UNAVAILABLE',
  /** Publishing forms: the messaging service or the Cloud API did not answer. */
  FormsUnavailable: 'FORMS_UNAVAILABLE',
  /** An import found problems (secrets missing, names taken, bodies refused): every one is listed. */
  ImportRefused: 'IMPORT_REFUSED',
} as const;
