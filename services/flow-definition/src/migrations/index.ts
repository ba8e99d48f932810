import { Flows1764000000300 } from './1764000000300-flows';
import { FlowsIsolation1764000000310 } from './1764000000310-workspace-isolation';
import { FlowsApiTriggers1764000000320 } from './1764000000320-api-triggers';

export const FLOW_DEFINITION_SCHEMA = 'flow_definition';
export const FLOW_DEFINITION_MIGRATIONS = [
  Flows1764000000300,
  FlowsIsolation1764000000310,
  FlowsApiTriggers1764000000320,
];
