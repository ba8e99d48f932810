/** What validation reports, every problem at once. `error` blocks publishing; `warning` does not. */
export interface Problem {
  severity: 'error' | 'warning';
  /** The screen the problem is on, or null for the flow as a whole (name, triggers, start screen). */
  screenId: string | null;
  /** When the problem is in one of the flow's WhatsApp forms: that form (and `screenId` is the form's screen). */
  formId?: string;
  /** Where in the document, e.g. `screens[1].actions[0].onFailure`. */
  path: string;
  code: ProblemCode;
  message: string;
}

export const ProblemCode = {
  InvalidField: 'INVALID_FIELD',
  UnknownField: 'UNKNOWN_FIELD',
  SchemaVersionUnsupported: 'SCHEMA_VERSION_UNSUPPORTED',
  NoStartScreen: 'NO_START_SCREEN',
  DuplicateScreenId: 'DUPLICATE_SCREEN_ID',
  UnknownScreen: 'UNKNOWN_SCREEN',
  MissingSuccessScreen: 'MISSING_SUCCESS_SCREEN',
  MissingFailureScreen: 'MISSING_FAILURE_SCREEN',
  UnsetVariable: 'UNSET_VARIABLE',
  ReservedVariable: 'RESERVED_VARIABLE',
  OperatorTypeMismatch: 'OPERATOR_TYPE_MISMATCH',
  InvalidConditionValue: 'INVALID_CONDITION_VALUE',
  InvalidRegex: 'INVALID_REGEX',
  ConditionTooDeep: 'CONDITION_TOO_DEEP',
  InvalidTemplate: 'INVALID_TEMPLATE',
  TextTooLong: 'TEXT_TOO_LONG',
  TooManyButtons: 'TOO_MANY_BUTTONS',
  TooManyListRows: 'TOO_MANY_LIST_ROWS',
  DuplicateOptionId: 'DUPLICATE_OPTION_ID',
  ChoiceWithoutOptions: 'CHOICE_WITHOUT_OPTIONS',
  LoopWithoutInput: 'LOOP_WITHOUT_INPUT',
  UnreachableScreen: 'UNREACHABLE_SCREEN',
  UnreachableAction: 'UNREACHABLE_ACTION',
  DeadEnd: 'DEAD_END',
  NoTrigger: 'NO_TRIGGER',
  // Reported through the resolver the caller passes in (the APIs live in the connections service).
  UnknownApi: 'UNKNOWN_API',
  ApiUrlRefused: 'API_URL_REFUSED',
  ApiUnavailable: 'API_UNAVAILABLE',
  // WhatsApp forms (`forms` of the flow document).
  ReservedScreenId: 'RESERVED_SCREEN_ID',
  NoFooter: 'NO_FOOTER',
  NoTerminalScreen: 'NO_TERMINAL_SCREEN',
  MissingApi: 'MISSING_API',
  UndeclaredData: 'UNDECLARED_DATA',
  DataNotProvided: 'DATA_NOT_PROVIDED',
  FailureScreenNeedsApiData: 'FAILURE_SCREEN_NEEDS_API_DATA',
  UnknownFormField: 'UNKNOWN_FORM_FIELD',
  DuplicateFieldName: 'DUPLICATE_FIELD_NAME',
  TooManyOptions: 'TOO_MANY_OPTIONS',
  UnknownForm: 'UNKNOWN_FORM',
  FlowMessageTarget: 'FLOW_MESSAGE_TARGET',
  // Reported by the flow-definition service, across flows.
  TriggerConflict: 'TRIGGER_CONFLICT',
  /** The flow's `channelIds` name a channel the workspace does not have (deleted since the draft was saved). */
  ChannelNotFound: 'CHANNEL_NOT_FOUND',
  /** Publishing a form: the Cloud API (Meta's validation_errors) or the channel refused it. */
  CloudApiRefused: 'CLOUD_API_REFUSED',
} as const;
export type ProblemCode = (typeof ProblemCode)[keyof typeof ProblemCode];

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
