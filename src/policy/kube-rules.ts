/**
 * The semantic rules the Kubernetes API server applies to init containers, volumes and volume
 * mounts (k8s.io/kubernetes pkg/apis/core/validation), for the fields a policy can set (pure).
 * The shape check (field names and types) is in kube-validate.ts; this file holds what a shape
 * cannot say: names, required values, quantity grammar, one volume source, init-container limits.
 */
import { DNS1123_LABEL } from './schema.js';
import type { PathIssue } from './placeholders.js';
import { didYouMean } from './suggest.js';
import { isRecord } from '../engine/equal.js';

/**
 * resource.Quantity grammar: signed number (digits, optional fraction) then a binary SI suffix
 * (Ki…Ei), a decimal SI suffix (m, k, M…E) or a decimal exponent (e3, E-2).
 */
const QUANTITY = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[KMGTPE]i|[mkMGTPE]|[eE][+-]?\d+)?$/;

/** True for a valid, non-negative Kubernetes quantity written as a string. */
export function isQuantity(text: string): boolean {
  return QUANTITY.test(text) && !text.startsWith('-');
}

const STANDARD_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** Resource names a container may request: standard ones, hugepages-<size>, or domain/name. */
export function isResourceName(name: string): boolean {
  if (STANDARD_RESOURCES.has(name)) return true;
  if (name.startsWith('hugepages-')) return isQuantity(name.slice('hugepages-'.length));
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

const LABEL_RULE =
  "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

/** Issues for a required name-like string field: missing, empty, or not a DNS-1123 label. */
function requireLabel(
  item: Record<string, unknown>,
  field: string,
  what: string,
  path: readonly PropertyKey[],
): PathIssue[] {
  const value = item[field];
  if (value === undefined || value === null)
    return [{ path: [...path, field], message: `missing required field "${field}": the ${what}, ${LABEL_RULE}` }];
  if (typeof value !== 'string') return []; // the shape check already reported the type
  if (value.length > 63 || !DNS1123_LABEL.test(value))
    return [
      { path: [...path, field], message: `${JSON.stringify(value)} is not a valid ${what}: expected ${LABEL_RULE}` },
    ];
  return [];
}

/** Issues for a required, non-empty string field. */
function requireText(
  item: Record<string, unknown>,
  field: string,
  what: string,
  path: readonly PropertyKey[],
): PathIssue[] {
  const value = item[field];
  if (value === undefined || value === null)
    return [{ path: [...path, field], message: `missing required field "${field}": ${what}` }];
  if (typeof value === 'string' && value.trim() === '')
    return [{ path: [...path, field], message: `must not be empty: ${what}` }];
  return [];
}

function oneOf(
  item: Record<string, unknown>,
  field: string,
  allowed: readonly string[],
  path: readonly PropertyKey[],
): PathIssue[] {
  const value = item[field];
  if (typeof value !== 'string' || allowed.includes(value)) return [];
  return [
    {
      path: [...path, field],
      message: `${JSON.stringify(value)} is not allowed: expected ${allowed.join(' or ')}${didYouMean(value, allowed)}`,
    },
  ];
}

/** Fields Kubernetes forbids on an init container unless it is a sidecar (restartPolicy: Always). */
const SIDECAR_ONLY = ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const;

function containerIssues(c: Record<string, unknown>, path: readonly PropertyKey[]): PathIssue[] {
  const issues = [
    ...requireLabel(c, 'name', 'container name', path),
    ...requireText(c, 'image', 'the container image to run, e.g. registry.example.com/tools/check:1.2', path),
    ...oneOf(c, 'imagePullPolicy', ['Always', 'IfNotPresent', 'Never'], path),
    ...oneOf(c, 'restartPolicy', ['Always'], path),
  ];
  if (c['restartPolicy'] !== 'Always') {
    for (const field of SIDECAR_ONLY) {
      if (c[field] !== undefined && c[field] !== null) {
        issues.push({
          path: [...path, field],
          message: `not allowed on an init container unless it is a sidecar (restartPolicy: Always); init containers run to completion`,
        });
      }
    }
  }
  const ports = c['ports'];
  if (Array.isArray(ports)) {
    for (const [i, port] of ports.entries()) {
      const number = isRecord(port) ? port['containerPort'] : undefined;
      if (isRecord(port) && number === undefined)
        issues.push({
          path: [...path, 'ports', i, 'containerPort'],
          message: 'missing required field "containerPort": a port number 1-65535',
        });
      if (typeof number === 'number' && (number < 1 || number > 65535))
        issues.push({
          path: [...path, 'ports', i, 'containerPort'],
          message: `${number} is not a valid port number: expected 1-65535`,
        });
    }
  }
  const env = c['env'];
  if (Array.isArray(env)) {
    for (const [i, variable] of env.entries()) {
      if (isRecord(variable))
        issues.push(...requireText(variable, 'name', 'the environment variable name', [...path, 'env', i]));
    }
  }
  const mounts = c['volumeMounts'];
  if (Array.isArray(mounts)) {
    for (const [i, mount] of mounts.entries())
      if (isRecord(mount)) issues.push(...mountIssues(mount, [...path, 'volumeMounts', i]));
  }
  return issues;
}

function mountIssues(m: Record<string, unknown>, path: readonly PropertyKey[]): PathIssue[] {
  return [
    ...requireText(m, 'name', 'the name of the volume to mount', path),
    ...requireText(m, 'mountPath', 'the path in the container where the volume appears, e.g. /etc/certs', path),
  ];
}

function volumeIssues(v: Record<string, unknown>, path: readonly PropertyKey[]): PathIssue[] {
  const issues = requireLabel(v, 'name', 'volume name', path);
  const sources = Object.keys(v).filter((key) => key !== 'name' && v[key] !== null && v[key] !== undefined);
  if (sources.length === 0) {
    issues.push({
      path,
      message: 'a volume needs exactly one source (emptyDir, configMap, secret, projected, csi, …); none is set',
    });
  } else if (sources.length > 1) {
    issues.push({
      path: [...path, sources[1] ?? ''],
      message: `a volume needs exactly one source; found ${sources.join(' and ')}`,
    });
  }
  return issues;
}

/** Semantic issues of one Container, Volume or VolumeMount (by client-node model name). */
export function kubeSemanticIssues(
  item: Record<string, unknown>,
  type: string,
  path: readonly PropertyKey[],
): PathIssue[] {
  if (type === 'V1Container') return containerIssues(item, path);
  if (type === 'V1Volume') return volumeIssues(item, path);
  if (type === 'V1VolumeMount') return mountIssues(item, path);
  return [];
}
