# Source this file (`. hack/use-node24.sh`) to put Node >= 22.19 on PATH. When the machine's Node is
# older, Node 24 LTS comes from the npm registry (the `node` package ships the official binary) into
# ~/.cache/init-injector, once. @kubernetes/client-node 2.x needs Node >= 22.19.
INIT_INJECTOR_NODE_VERSION="${INIT_INJECTOR_NODE_VERSION:-24.21.0}"
_ii_node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)'; }
if ! _ii_node_ok; then
  _ii_dir="${XDG_CACHE_HOME:-$HOME/.cache}/init-injector/node-$INIT_INJECTOR_NODE_VERSION"
  if [ ! -x "$_ii_dir/node_modules/node/bin/node" ]; then
    echo "installing Node $INIT_INJECTOR_NODE_VERSION from the npm registry into $_ii_dir" >&2
    mkdir -p "$_ii_dir"
    npm install --no-save --no-audit --no-fund --prefix "$_ii_dir" "node@$INIT_INJECTOR_NODE_VERSION" >/dev/null
  fi
  export PATH="$_ii_dir/node_modules/node/bin:$PATH"
fi
_ii_node_ok || { echo "Node >= 22.19 is required, found $(node --version 2>/dev/null || echo none)" >&2; return 1 2>/dev/null || exit 1; }
