# Sourced by scripts/upgrade, scripts/rollback, scripts/restore and scripts/snapshots: the same
# environment scripts/pulumi gives the CLI, then `python -m operations.cli <tool> ARGS`.
#
# - scripts/bootstrap creates .venv; the Pulumi CLI is the system one when NEXUS_PLATFORM_PULUMI
#   allows it (see scripts/pulumi), else the project engine from scripts/build-pulumi; its bin dir
#   and .venv/bin go first on PATH (the Automation API runs the `pulumi` found there);
# - PULUMI_BACKEND_URL defaults to file://<project>/.pulumi-state, as for scripts/pulumi;
# - the program runs inline in the operations process (no Python language plugin needed);
#   secrets need PULUMI_CONFIG_PASSPHRASE (or _FILE) as for every other pulumi command;
# - the provider plugins are installed as scripts/pulumi does (NEXUS_PLATFORM_PLUGIN_DIR).
set -euo pipefail

ops_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

run_operation() {
  local tool=$1
  shift
  "$ops_root/scripts/bootstrap"
  export PULUMI_SKIP_UPDATE_CHECK=true
  export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
  local mode=${NEXUS_PLATFORM_PULUMI:-auto} bin=""
  if [[ "$mode" == auto ]]; then
    if command -v pulumi >/dev/null && command -v pulumi-language-python >/dev/null; then
      mode=system
    else
      mode=project
    fi
  fi
  if [[ "$mode" == project ]]; then
    bin=$("$ops_root/scripts/build-pulumi")
    export PATH="$bin:$ops_root/.venv/bin:$PATH"
  else
    export PATH="$ops_root/.venv/bin:$PATH"
  fi
  export PULUMI_PYTHON_CMD="${PULUMI_PYTHON_CMD:-$ops_root/.venv/bin/python}"
  # the provider plugins, as scripts/pulumi installs them (tools/plugins.py)
  (cd "$ops_root" && .venv/bin/python -m tools.plugins --pulumi "$(command -v pulumi)")
  if [[ -z "${PULUMI_BACKEND_URL:-}" ]]; then
    mkdir -p "$ops_root/.pulumi-state"
    export PULUMI_BACKEND_URL="file://$ops_root/.pulumi-state"
  fi
  cd "$ops_root"
  exec "$ops_root/.venv/bin/python" -m operations.cli "$tool" "$@"
}
