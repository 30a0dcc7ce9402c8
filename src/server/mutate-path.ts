/**
 * Which request targets name the admission endpoint. The API server sends the path of the
 * webhook's clientConfig plus its timeout, `/mutate?timeout=10s`; a clientConfig may also spell
 * the path `/mutate/` or in another case (`/MUTATE`), as express's default routing accepts. Any
 * other target (absolute form, another path) is not the admission endpoint: the API server never
 * sends one, and express answers it with the JSON 404.
 */

/** `/mutate`, in any ASCII case, with at most one trailing slash. */
const MUTATE = /^\/mutate\/?$/i;

/** True when the path of `url` (up to its first `?` or `#`) is /mutate. */
export function isMutatePath(url: string | undefined): boolean {
  if (url === undefined) return false;
  // The API server's own spelling, checked first because it is nearly every admission.
  if (url === '/mutate' || url.startsWith('/mutate?')) return true;
  const end = url.search(/[?#]/);
  return MUTATE.test(end === -1 ? url : url.slice(0, end));
}
