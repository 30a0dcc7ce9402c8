/** How the server reaches the API server: a kubeconfig file, else the pod's service account. */
import { KubeConfig } from '@kubernetes/client-node';

/** The client configuration of `path`, or the in-cluster one when no file is given. */
export function serverKubeConfig(path: string | undefined): KubeConfig {
  const kc = new KubeConfig();
  if (path === undefined) kc.loadFromCluster();
  else kc.loadFromFile(path);
  return kc;
}
