import { Flows1764000000300 } from './1764000000300-flows';

export const FLOW_DEFINITION_SCHEMA = 'flow_definition';
export const FLOW_DEFINITION_MIGRATIONS = [Flows1764000000300];
