import { z } from 'zod';
import { FormLimits, FormSchema } from '../forms/form-schema';
import { formApis, verifyForm } from '../forms/verify-form';
import { FlowLimits } from '../model/limits';
import { FlowDocumentSchema, type FlowDocument, type Screen, ScreenSchema } from '../model/schema';
import { SchemaVersionError, upgradeDocument } from '../model/upgrade';
import { FlowChecker } from './flow-checker';
import { flowMessageProblems } from './flow-messages';
import { type Problem, ProblemCode } from './problems';
import type { ApiCheck } from './walk';

export interface ValidateOptions {
  /** What the connections service says about each referenced API; without it API checks are skipped. */
  apis?: (apiId: string) => ApiCheck | undefined;
}

export interface ValidationResult {
  /** The document read and upgraded, when its top level could be read (screens with shape problems left out). */
  flow: FlowDocument | null;
  problems: Problem[];
}

// The top level read on its own, so that one malformed screen does not hide the rest of the flow's problems.
const TopLevelSchema = FlowDocumentSchema.extend({
  screens: z.array(z.unknown()).max(FlowLimits.screens).default([]),
  forms: z.array(z.unknown()).max(FormLimits.forms).optional(),
});

/** Every problem of a flow document at once: shape, references, variables, types, WhatsApp limits, loops. */
export function validateFlow(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const problems: Problem[] = [];
  let upgraded: unknown;
  try {
    upgraded = upgradeDocument(input);
  } catch (error) {
    if (!(error instanceof SchemaVersionError)) throw error;
    return {
      flow: null,
      problems: [flowError(ProblemCode.SchemaVersionUnsupported, 'schemaVersion', error.message)],
    };
  }
  const top = TopLevelSchema.safeParse(upgraded);
  if (!top.success) return { flow: null, problems: shapeProblems(top.error, '', null) };

  const screens: Screen[] = [];
  const indexOf = new Map<Screen, number>();
  const broken = new Set<string>();
  top.data.screens.forEach((raw, i) => {
    const parsed = ScreenSchema.safeParse(raw);
    const id = readId(raw);
    if (parsed.success) {
      screens.push(parsed.data);
      indexOf.set(parsed.data, i);
    } else {
      problems.push(...shapeProblems(parsed.error, `screens[${i}]`, id));
      if (id) broken.add(id);
    }
  });
  // Each form read on its own too: one malformed form does not hide the others' problems.
  const forms = top.data.forms?.flatMap((raw, index) => {
    const parsed = FormSchema.safeParse(raw);
    if (parsed.success) return [{ form: parsed.data, index }];
    problems.push(...shapeProblems(parsed.error, `forms[${index}]`, null));
    return [];
  });
  const { forms: _rawForms, ...rest } = top.data;
  const flow: FlowDocument = { ...rest, screens, ...(forms ? { forms: forms.map((f) => f.form) } : {}) };
  problems.push(...new FlowChecker(flow, indexOf, broken, options).run());
  const formIds = new Set<string>();
  for (const { form, index } of forms ?? []) {
    if (formIds.has(form.id))
      problems.push(
        flowError(ProblemCode.DuplicateScreenId, `forms[${index}].id`, `Form id ${form.id} is used twice`),
      );
    formIds.add(form.id);
    problems.push(...verifyForm(form, `forms[${index}]`, options.apis));
  }
  problems.push(...flowMessageProblems(flow, indexOf));
  return { flow, problems };
}

/** The ids of the APIs a flow calls, for the caller to look up before validating. */
export function referencedApis(flow: FlowDocument): string[] {
  const ids = new Set<string>();
  for (const screen of flow.screens)
    for (const action of screen.actions) if (action.type === 'data_exchange') ids.add(action.api);
  for (const form of flow.forms ?? []) for (const api of formApis(form)) ids.add(api);
  return [...ids];
}

function flowError(code: Problem['code'], path: string, message: string): Problem {
  return { severity: 'error', screenId: null, path, code, message };
}

function readId(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object') return null;
  const id = (raw as Record<string, unknown>).id;
  return typeof id === 'string' && id.length > 0 ? id : null;
}

function shapeProblems(error: z.ZodError, prefix: string, screenId: string | null): Problem[] {
  const problems: Problem[] = [];
  for (const issue of error.issues) {
    const path = joinPath(prefix, issue.path);
    const onScreen = screenId ?? null;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys)
        problems.push({
          severity: 'error',
          screenId: onScreen,
          path: joinPath(path, [key]),
          code: ProblemCode.UnknownField,
          message: `Unknown field "${key}"`,
        });
      continue;
    }
    problems.push({
      severity: 'error',
      screenId: onScreen,
      path,
      code: ProblemCode.InvalidField,
      message: `${path || 'document'}: ${issue.message}`,
    });
  }
  return problems;
}

function joinPath(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out ? `.${String(segment)}` : String(segment);
  }
  return out;
}
