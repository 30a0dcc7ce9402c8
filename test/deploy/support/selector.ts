// Kubernetes metav1.LabelSelector semantics (apimachinery pkg/labels, LabelSelectorAsSelector):
// every matchLabels pair and every matchExpressions requirement must hold; In needs the key present
// with a listed value; NotIn holds when the key is absent or its value is not listed; Exists and
// DoesNotExist test presence only. An empty selector matches everything; a null one nothing (webhooks
// default a missing selector to {}).

/** One matchExpressions entry. */
export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Requirement[];
}

/** True when the selector selects an object with these labels. */
export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const r of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, r.key);
    const listed = has && (r.values ?? []).includes(labels[r.key]!);
    switch (r.operator) {
      case 'In':
        if ((r.values ?? []).length === 0) throw new Error(`operator In on ${r.key} needs values`);
        if (!listed) return false;
        break;
      case 'NotIn':
        if (listed) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`unknown label selector operator ${String((r as { operator: unknown }).operator)}`);
    }
  }
  return true;
}
