/**
 * The PolicyTest format run by `init-injector test` (like a `kyverno test` file): which policies,
 * which namespace, and cases of a manifest with what must come out. Strict objects: a typo in a
 * test file is an error, never an expectation that silently checks nothing.
 */
import { z } from 'zod';
import { Reason } from '../engine/reasons.js';
import { API_VERSION, DNS1123_LABEL } from '../policy/schema.js';

const labelMap = z.record(z.string(), z.string());

/** The namespace the resource is admitted in; kubernetes.io/metadata.name is added automatically. */
export const TestNamespaceSchema = z.strictObject({
  name: z.string().regex(DNS1123_LABEL, 'must be a DNS-1123 label').default('default'),
  labels: labelMap.default({}),
});

/** A policy that must be skipped, and the reason code it must be skipped for. */
export const SkippedExpectationSchema = z.strictObject({
  policy: z.string().min(1),
  reason: z.enum(Object.values(Reason) as [Reason, ...Reason[]]).describe('A reason code, e.g. not_requested.'),
});

/** What a case expects; every given field is checked, absent ones are not. */
export const ExpectSchema = z
  .strictObject({
    injected: z
      .array(z.string())
      .optional()
      .describe('Exactly these policies are applied, in this order ([] = none). Not checked when absent.'),
    denied: z
      .string()
      .min(1)
      .optional()
      .describe('The resource is denied and the message contains this text. When absent, a denial fails the case.'),
    skipped: z
      .array(SkippedExpectationSchema)
      .optional()
      .describe('Each of these policies is skipped for this reason.'),
    warnings: z.array(z.string().min(1)).optional().describe('Each text appears in some warning.'),
    output: z
      .string()
      .min(1)
      .optional()
      .describe('File (relative to the test file) holding the expected mutated resource, compared as YAML.'),
  })
  .refine((e) => Object.values(e).some((v) => v !== undefined), {
    message: 'expect needs at least one of injected, denied, skipped, warnings, output',
  });

/** One case: a resource file and what must come out of it. */
export const TestCaseSchema = z.strictObject({
  name: z.string().min(1),
  resource: z.string().min(1).describe('Manifest file (relative to the test file) with one Pod or one workload.'),
  namespace: TestNamespaceSchema.optional().describe('Overrides the file-level namespace for this case.'),
  expect: ExpectSchema,
});

/** A PolicyTest document (apiVersion init-injector.io/v1alpha1, kind PolicyTest). */
export const PolicyTestSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('PolicyTest'),
  metadata: z.strictObject({ name: z.string().min(1) }),
  description: z.string().optional(),
  policies: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe('Policy directory or file(s), relative to the test file.'),
  namespace: TestNamespaceSchema.default({ name: 'default', labels: {} }),
  cases: z.array(TestCaseSchema).min(1, 'a PolicyTest has at least one case'),
});

/** A validated PolicyTest document. */
export type PolicyTest = z.output<typeof PolicyTestSchema>;
/** A validated case. */
export type TestCase = z.output<typeof TestCaseSchema>;
/** A validated expect block. */
export type Expect = z.output<typeof ExpectSchema>;
