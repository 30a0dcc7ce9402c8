/**
 * Kubernetes objects as JSON on the wire. Shapes come from @kubernetes/client-node's models through
 * `import type` only: values never go through its ObjectSerializer, which turns timestamps into
 * Date and writes back `.000Z`, a spurious diff (kubebuilder #510).
 */
import type {
  V1Container,
  V1EphemeralContainer,
  V1ObjectMeta,
  V1PodSpec,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';

/** Object metadata with timestamps as the strings the API server sends. */
export type ObjectMeta = Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp' | 'managedFields'> & {
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  managedFields?: unknown[];
};

export type Container = V1Container;
export type EphemeralContainer = V1EphemeralContainer;
export type Volume = V1Volume;
export type VolumeMount = V1VolumeMount;
export type PodSpec = V1PodSpec;

/** A Pod as the API server sends it in an AdmissionReview, or as a manifest holds it. */
export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec?: PodSpec;
  status?: unknown;
}

/** Any Kubernetes object read from a manifest or a review (only the envelope is known). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}
