#!/usr/bin/env bash
# The steps of action.yml, so that they run (and are tested) outside GitHub too:
#   action.sh setup   installs dtmap's dependencies and builds it, in $GITHUB_ACTION_PATH
#   action.sh check   one `dtmap check`: annotations on stdout (--format github), the SARIF report
#                     in $DTMAP_SARIF, its path as the step output `sarif`; exit code as dtmap's
# Inputs: DTMAP_FILES (files, folders, globs), DTMAP_SARIF, DTMAP_ARGS (more options).
set -euo pipefail
root=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
case ${1:-} in
  setup)
    cd "$root"
    npm ci --no-audit --no-fund
    npm run build
    ;;
  check)
    sarif=${DTMAP_SARIF:-dtmap.sarif}
    set -f # globs go to dtmap as written: it expands them, as it does for a quoted glob
    # shellcheck disable=SC2086 # word splitting of the inputs is intended
    set -- ${DTMAP_ARGS:-} ${DTMAP_FILES:?DTMAP_FILES is empty}
    set +f
    code=0
    node "$root/bin/dtmap.cjs" check --format github --sarif "$sarif" "$@" || code=$?
    [[ -n ${GITHUB_OUTPUT:-} ]] && echo "sarif=$sarif" >>"$GITHUB_OUTPUT"
    exit "$code"
    ;;
  *)
    echo "usage: action.sh setup|check" >&2
    exit 2
    ;;
esac
