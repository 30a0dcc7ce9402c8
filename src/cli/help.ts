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
  serve      run the admission webhook (HTTPS): init-injector serve --policies policies/
  help       show this help, or "init-injector help <command>"

Run "init-injector <command> --help" for a command's options.
`;

/** Usage text of `inject`. */
export const INJECT_HELP = `Usage: init-injector inject -p DIR -f FILE|- [-n NS] [--namespace-labels k=v,...] [--mode opt-in|cluster-wide] [-o yaml|json|patch] [-v]

Preview what the webhook would do: runs every Pod and pod template (Deployment, StatefulSet,
DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, Argo Rollout, OpenShift
DeploymentConfig, List items) through the policies and prints the result. YAML is read as kubectl
reads it (YAML 1.1: 0400 is octal). Other kinds pass through unchanged; documents keep their order,
and a document that does not change is printed byte for byte.

Options:
  -p, --policies DIR|FILE    policy directory or file (repeatable)          [required]
  -f, --filename FILE|-      manifest file, or - for stdin                  [required]
  -n, --namespace NS         namespace of the objects, written into namespaced objects that have none;
                             an object whose metadata.namespace differs is an error, as with kubectl
                             (default: metadata.namespace, else "default")
      --namespace-labels L   labels of that namespace, k=v,k2=v2 (kubernetes.io/metadata.name is always set)
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

Checks policy files the way the webhook loads them: YAML syntax, the InjectionPolicy schema
(unknown fields are errors), regular expressions, CEL conditions, label selectors, Kubernetes
names and container specs, and duplicate policy names across all given paths.
A directory means every *.yaml/*.yml directly in it (its tests/ subdirectory is not read).

Prints "N policies valid" and exits 0, or prints every problem as file:line: field: message
and exits 1.
`;

/** Usage text of `test`. */
export const TEST_HELP = `Usage: init-injector test DIR|FILE...

Runs every PolicyTest (apiVersion: init-injector.io/v1alpha1, kind: PolicyTest) found in the YAML
files under the given paths, recursively. Each case runs a resource through the policies the test
names, exactly as "init-injector inject" does, and checks what it expects: injected policies (in
order), a denial message, skip reasons, warnings, and the mutated resource against a file.

Prints PASS or FAIL per case (with a diff when the output differs) and "N passed, M failed".
Exit status: 0 all passed, 1 any case failed or a test file is invalid, 2 bad command line.
See docs/cli.md for the PolicyTest format.
`;
