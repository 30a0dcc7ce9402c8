/**
 * The InjectionPolicy format (docs/policy-reference.md) as one zod schema: it gives the TypeScript
 * types, the runtime validation at load time, and the generated JSON Schema in schemas/
 * (npm run schema:gen). Objects are strict: an unknown field is an error, so a typo never passes
 * silently.
 * Kubernetes sub-objects (Container, Volume, VolumeMount) are checked field by field against the
 * Kubernetes API's own model (see policy/kube-validate.ts), not by this schema.
 */
import { z } from 'zod';
import { DNS1123_SUBDOMAIN } from '../kube/names.js';
import { PARAMETER_TYPES } from '../engine/param-types.js';

export const API_VERSION = 'init-injector.io/v1alpha1';

/** DNS-1123 label: what Kubernetes accepts for container names and what we accept for policy names. */
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const dns1123Label = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(
    DNS1123_LABEL,
    "must be a DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)",
  );

/** A pod's `imagePullSecrets` entry: a Secret of the pod's namespace, by name. */
export const ImagePullSecretSchema = z.strictObject({
  name: z
    .string()
    .max(253, 'must be at most 253 characters')
    .regex(
      DNS1123_SUBDOMAIN,
      "must be a Secret name: a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', starting and ending with a letter or digit)",
    )
    .describe("The name of a Secret of type kubernetes.io/dockerconfigjson in the pod's namespace."),
});

export const LabelSelectorRequirementSchema = z.strictObject({
  key: z.string().min(1),
  operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
  values: z.array(z.string()).optional(),
});

/** metav1.LabelSelector: every given part must hold; an empty selector matches everything. */
export const LabelSelectorSchema = z.strictObject({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z.array(LabelSelectorRequirementSchema).optional(),
});

export const ConditionSchema = z.strictObject({
  name: z.string().min(1).describe('A name for the condition, shown when it fails to evaluate.'),
  expression: z
    .string()
    .min(1)
    .describe('CEL expression with the variables object (the pod), namespaceObject and request; must yield a bool.'),
});

export const MatchSchema = z.strictObject({
  namespaces: z.array(z.string().min(1)).optional().describe('Namespace names or * globs.'),
  namespaceSelector: LabelSelectorSchema.optional(),
  podSelector: LabelSelectorSchema.optional(),
  conditions: z.array(ConditionSchema).optional(),
});

/**
 * A bound of a typed parameter, written as a string like the values it bounds ("10", "30s", "64Mi").
 * Strings of bounded length, so that the CRD's CEL rules over them have a bounded cost.
 */
const bound = z.string().min(1).max(64, 'must be at most 64 characters').optional();

export const ParameterSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an identifier (letters, digits, _)'),
  annotation: z
    .string()
    .min(1)
    .optional()
    .describe('Pod annotation that sets the value; default init-injector.io/<policy>.<parameter>.'),
  type: z
    .enum(PARAMETER_TYPES)
    .default('String')
    .describe(
      'What the value must be: String (checked by pattern and maxLength), Integer (int64), Boolean (true or false), Duration (Go syntax: 30s, 1m30s) or Quantity (Kubernetes quantity: 250m, 128Mi). Integer, Duration and Quantity take minimum and maximum.',
    ),
  default: z
    .string()
    .max(4096, 'must be at most 4096 characters')
    .optional()
    .describe('The value when the pod does not set the annotation, written as a string (quoted in YAML: "3", "true").'),
  minimum: bound.describe(
    'Lowest value accepted, inclusive, written as a string: an integer ("0"), a duration ("10s") or a quantity ("64Mi"), as the type says.',
  ),
  maximum: bound.describe(
    'Highest value accepted, inclusive, written as a string: an integer ("10"), a duration ("10m") or a quantity ("2Gi"), as the type says.',
  ),
  pattern: z
    .string()
    .optional()
    .describe(
      'String parameters only: RE2 regular expression the whole value must match (anchored for you; no lookaround or backreferences).',
    ),
  maxLength: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('String parameters only: longest value accepted, in characters; checked before the pattern.'),
  description: z.string().optional(),
});

/** A Kubernetes object checked against the API model in kube-validate.ts. */
const kubeObject = (what: string) =>
  z.record(z.string(), z.unknown()).describe(`A Kubernetes ${what}, validated against the Kubernetes API model.`);

export const VolumeMountsSchema = z.strictObject({
  containers: z
    .union([z.literal('*'), z.array(z.string().min(1))])
    .default(['*'])
    .describe('"*" or a list of app container names ("*" inside the list also means all).'),
  sidecars: z
    .enum(['AfterInjected', 'All', 'None'])
    .default('AfterInjected')
    .describe(
      "Which of the pod's native sidecars (init containers with restartPolicy: Always) also get the mounts: those that start after the policy's init containers (all with Prepend, none with Append), all, or none.",
    ),
  mounts: z.array(kubeObject('VolumeMount')).default([]),
});

/**
 * Placement next to a named init container of the pod: exactly one of `before` and `after`. When the
 * pod has no init container of that name, `placement` decides (docs/semantics.md, "Anchors").
 */
export const AnchorSchema = z
  .strictObject({
    before: dns1123Label
      .optional()
      .describe("Name of an init container (or native sidecar) the policy's init containers go before."),
    after: dns1123Label
      .optional()
      .describe("Name of an init container (or native sidecar) the policy's init containers go after."),
  })
  .superRefine((anchor, ctx) => {
    if ((anchor.before === undefined) === (anchor.after === undefined))
      ctx.addIssue({ code: 'custom', message: 'set exactly one of before and after' });
  });

export const QosSchema = z.strictObject({
  preserve: z
    .array(z.enum(['Guaranteed', 'BestEffort']))
    .default(['Guaranteed'])
    .describe(
      "The pod QoS classes injection must not change: the init containers' cpu and memory are fitted to a pod of such a class. [] injects resources as written.",
    ),
  guaranteedFrom: z
    .enum(['Limits', 'Requests'])
    .default('Limits')
    .describe('For a Guaranteed pod: whether the limit or the request of each of cpu and memory becomes both.'),
});

export const PolicySpecSchema = z.strictObject({
  description: z.string().default(''),
  mode: z.enum(['Always', 'OnRequest']).default('Always'),
  required: z.boolean().default(false),
  priority: z.number().int().default(100),
  placement: z
    .enum(['Prepend', 'Append'])
    .default('Prepend')
    .describe(
      "Whether the policy's init containers go before or after the pod's own init containers; with an anchor, where they go when the pod has no init container of the anchor's name.",
    ),
  anchor: AnchorSchema.optional().describe(
    'Place the init containers just before or just after a named init container or native sidecar of the pod; placement is the fallback when the pod has none of that name.',
  ),
  action: z.enum(['Inject', 'Audit']).default('Inject'),
  match: MatchSchema.optional(),
  exclude: MatchSchema.optional(),
  parameters: z
    .array(ParameterSchema)
    .max(64, 'a policy has at most 64 parameters')
    .default([])
    .describe('Values a pod may set by annotation; at most 64, which bounds the cost of the CRD rules run for each.'),
  initContainers: z.array(kubeObject('Container')).min(1, 'a policy injects at least one init container'),
  volumes: z.array(kubeObject('Volume')).default([]),
  volumeMounts: VolumeMountsSchema.optional(),
  imagePullSecrets: z
    .array(ImagePullSecretSchema)
    .default([])
    .describe(
      "Secrets the pod needs to pull the policy's images, added to the pod's imagePullSecrets by name when the policy is injected; a name the pod already lists is not added again.",
    ),
  onConflict: z.enum(['Skip', 'Fail']).default('Skip'),
  operatingSystems: z
    .array(z.enum(['linux', 'windows']))
    .min(1, 'name at least one operating system')
    .default(['linux'])
    .describe(
      'The pod operating systems the policy applies to. A pod is Windows by spec.os.name, a kubernetes.io/os nodeSelector or a required node affinity on that label; otherwise Linux.',
    ),
  qos: QosSchema.default({ preserve: ['Guaranteed'], guaranteedFrom: 'Limits' }),
});

export const InjectionPolicySchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('InjectionPolicy'),
  metadata: z.strictObject({
    name: dns1123Label,
    labels: z.record(z.string(), z.string()).optional(),
    annotations: z.record(z.string(), z.string()).optional(),
  }),
  spec: PolicySpecSchema,
});

/** A validated policy document with every default filled in. */
export type InjectionPolicy = z.output<typeof InjectionPolicySchema>;
export type PolicySpec = InjectionPolicy['spec'];
export type Match = z.output<typeof MatchSchema>;
export type LabelSelector = z.output<typeof LabelSelectorSchema>;
export type Parameter = z.output<typeof ParameterSchema>;
