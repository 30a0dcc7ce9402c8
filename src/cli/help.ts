/**
 * Usage texts, kept apart from the commands so that `--help` and usage errors load nothing else
 * (the commands pull in the policy loader and its Kubernetes models, which take seconds to import).
 */

/** Top-level usage text. */
export const MAIN_HELP = `Usage: init-injector <command> [options]

Commands:
  inject     preview injection offline: init-injector inject -p policies/ -f deploy.yaml [-o yaml|json|patch]
  validate   check policy files: init-injector validate policies/
  test       run PolicyTest suites: init-injector test policies/tests
  explain    why a pod got what it got: init-injector explain -p policies/ pod/web -n shop (or -f pod.yaml)
  status     which workloads run outdated or missing injections: init-injector status -p policies/ -A
  serve      run the admission webhook (HTTPS): init-injector serve --policies policies/
  help       show this help, or "init-injector help <command>"

Run "init-injector <command> --help" for a command's options.
`;

/** Usage text of `inject`. */
export const INJECT_HELP = `Usage: init-injector inject -p SOURCE -f FILE|- [-n NS] [--namespace-labels k=v,...] [--mode opt-in|cluster-wide] [--kubeconfig FILE] [-o yaml|json|patch] [-v]

Preview what the webhook would do: runs every Pod and pod template (Deployment, StatefulSet,
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, Argo Rollout, OpenShift
DeploymentConfig, List items) through the policies and prints the result. YAML is read as kubectl
reads it (YAML 1.1: 0400 is octal). Other kinds pass through unchanged; documents keep their order,
and a document that does not change is printed byte for byte.

Options:
  -p, --policies SOURCE      policy directory or file; or, read with --kubeconfig, the webhook's
                             ConfigMap (configmap/NAMESPACE/NAME) or the cluster's InjectionPolicy
                             objects (injectionpolicies.init-injector.io); repeatable    [required]
  -f, --filename FILE|-      manifest file, or - for stdin                  [required]
  -n, --namespace NS         namespace of the objects, written into namespaced objects that have none;
                             an object whose metadata.namespace differs is an error, as with kubectl
                             (default: metadata.namespace, else "default")
      --namespace-labels L   labels of that namespace, k=v,k2=v2 (kubernetes.io/metadata.name is always set)
      --kubeconfig FILE      for -p sources in the cluster (default: KUBECONFIG, else ~/.kube/config)
      --mode MODE            opt-in or cluster-wide: also apply that mode's namespace rule; pods the
                             webhook never sees (label init-injector.io/inject=disabled, kube-system,
                             kube-public, kube-node-lease) are always left out, with a line on stderr
  -o, --output FORMAT        yaml (default): the documents, comments kept
                             json: one object, a v1 List when there are several documents
                             patch: per document, the JSON patch ops the webhook would send
  -v, --verbose              also print every skipped policy and why
  -h, --help                 show this help

Exit status: 0 printed, 1 a policy denied an object or the input is invalid, 2 bad command line.
`;

/** Usage text of `validate`. */
export const VALIDATE_HELP = `Usage: init-injector validate DIR|FILE...
       init-injector validate --from-cluster [--kubeconfig FILE]

Checks policy files the way the webhook loads them: YAML syntax, the InjectionPolicy schema
(unknown fields are errors), regular expressions, CEL conditions, label selectors, Kubernetes
names and container specs, and duplicate policy names across all given paths.
A directory means every *.yaml/*.yml directly in it (its tests/ subdirectory is not read).
Objects as the cluster returns them are policies too: a List of InjectionPolicies, the metadata the
API server sets and status are accepted (kubectl get injectionpolicies -o yaml > policies.yaml).
--from-cluster checks the InjectionPolicy objects of the cluster instead (read with --kubeconfig,
else KUBECONFIG, else ~/.kube/config), each named injectionpolicy/NAME.

Prints "N policies valid" and exits 0, or prints every problem as file:line: field: message
and exits 1.
`;

/** Usage text of `test`. */
export const TEST_HELP = `Usage: init-injector test DIR|FILE... [--from-cluster [--kubeconfig FILE]]

Runs every PolicyTest (apiVersion: init-injector.io/v1alpha1, kind: PolicyTest) found in the YAML
files under the given paths, recursively. Each case runs a resource through the policies the test
names, exactly as "init-injector inject" does, and checks what it expects: injected policies (in
order), a denial message, skip reasons, warnings, and the mutated resource against a file.

--from-cluster runs every test against the InjectionPolicy objects of the cluster (read with
--kubeconfig, else KUBECONFIG or ~/.kube/config) instead of the policies the test names: do the
tests still pass against what the webhook serves?

Prints PASS or FAIL per case (with a diff when the output differs) and "N passed, M failed".
Exit status: 0 all passed, 1 any case failed or a test file is invalid, 2 bad command line.
See docs/cli.md for the PolicyTest format.
`;

/** Usage text of `explain`. */
export const EXPLAIN_HELP = `Usage: init-injector explain -p DIR (-f FILE|- [-n NS] [--namespace-labels k=v,...] | KIND/NAME [-n NS] [--kubeconfig FILE]) [--mode opt-in|cluster-wide] [-o table|json]

Says, per policy, what it decides for a pod or pod template now and why (the selector, condition,
missing request or parameter), which init containers it injects, and for a pod that exists whether
the pod is current, outdated (its recorded digest differs from what the policy renders now) or
missing the policy (it applies now but was never injected). A pod template was never injected: its
rows say what a new pod would get.

Offline, -f reads Pods and workloads from a manifest (as inject does). Live, KIND/NAME reads the
object and its namespace's labels from the cluster: pod, deployment, statefulset, daemonset,
replicaset, job or cronjob (kubectl's short names too).

Options:
  -p, --policies SOURCE      policy directory or file; or, read with the kubeconfig, the webhook's
                             ConfigMap (configmap/NAMESPACE/NAME) or the cluster's InjectionPolicy
                             objects (injectionpolicies.init-injector.io); repeatable    [required]
  -f, --filename FILE|-      manifest file, or - for stdin
  -n, --namespace NS         namespace (default: the object's, else "default")
      --namespace-labels L   with -f: labels of that namespace, k=v,k2=v2
      --kubeconfig FILE      live: the kubeconfig (default: KUBECONFIG, else ~/.kube/config)
      --mode MODE            opt-in or cluster-wide: also apply that mode's namespace rule
  -o, --output FORMAT        table (default) or json
  -h, --help                 show this help

Exit status: 0 explained, 1 the object or the policies could not be read, 2 bad command line.
`;

/** Usage text of `status`. */
export const STATUS_HELP = `Usage: init-injector status -p DIR [-n NS]... [--kubeconfig FILE] [--mode opt-in|cluster-wide] [-o table|json] [-v]
                           [--restart-outdated [--yes] [--interval SECONDS] [--timeout SECONDS]]

The drift report: compares every running pod of the cluster (or of the -n namespaces) with the
policies and prints, per workload (Deployment, StatefulSet, DaemonSet, ReplicaSet without owner,
Job, CronJob, bare Pod), how many pods are current, outdated (a policy renders something else now
than what the pod records) or missing a policy that applies now (e.g. created while the webhook was
down under failurePolicy Ignore). Paged list calls only, nothing per pod.

Options:
  -p, --policies SOURCE      policy directory or file; or, read with the kubeconfig, the webhook's
                             ConfigMap (configmap/NAMESPACE/NAME) or the cluster's InjectionPolicy
                             objects (injectionpolicies.init-injector.io); repeatable    [required]
  -n, --namespace NS         only this namespace (repeatable; default: all namespaces)
      --kubeconfig FILE      the kubeconfig (default: KUBECONFIG, else ~/.kube/config)
      --mode MODE            opt-in or cluster-wide: pods the webhook configuration of that mode never
                             sees are not compared (kube-system & co. never are)
  -o, --output FORMAT        table (default): workloads with drift, then a summary; json: everything
  -v, --verbose              list current workloads too
      --restart-outdated     restart the Deployments, StatefulSets and DaemonSets with outdated or
                             missing pods as "kubectl rollout restart" does, one at a time, waiting
                             for each rollout; never bare pods, Jobs or CronJobs. A dry run unless --yes
      --yes                  act (with --restart-outdated)
      --interval SECONDS     pause between two restarts (default 10)
      --timeout SECONDS      longest wait for one rollout before stopping (default 300)
  -h, --help                 show this help

Exit status: 0 every pod current, 3 some pod outdated or missing a policy, 1 the cluster or the
policies could not be read or a rollout did not finish, 2 bad command line.
`;
