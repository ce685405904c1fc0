#!/usr/bin/env bash
# Docker Compose v2 as a docker CLI plugin, for `docker compose -f temporal-compose.yml config`: the
# deployment test validates the compose file with it. `config` needs no Docker engine.
# Idempotent: does nothing when `docker compose` (or, without a docker CLI, .tools/compose) works.
# Built from the Go module proxy: `go install github.com/docker/compose/v2/cmd@VERSION` is refused
# (compose's go.mod has exclude directives), so it is built inside the module's own source tree.
# The first build takes about 6 minutes on 2 cores; Go's build cache makes later ones quick.
set -euo pipefail
cd "$(dirname "$0")/.."

COMPOSE_VERSION=v2.40.3
binary=.tools/compose/docker-compose
plugin_dir="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"

if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then exit 0; fi

if [ ! -x "$binary" ] || ! "$binary" version 2>/dev/null | grep -qF "$COMPOSE_VERSION"; then
  command -v go >/dev/null || { echo "install-compose: Go is needed to build Docker Compose" >&2; exit 1; }
  echo "install-compose: building Docker Compose $COMPOSE_VERSION from the Go module proxy (a few minutes)" >&2
  module_dir=$(go mod download -json "github.com/docker/compose/v2@$COMPOSE_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$module_dir" ] || { echo "install-compose: could not download github.com/docker/compose/v2@$COMPOSE_VERSION" >&2; exit 1; }
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  # The module cache is read-only; the build writes go.sum updates into its tree.
  cp -r "$module_dir/." "$src" && chmod -R u+w "$src"
  mkdir -p .tools/compose
  (cd "$src" && go build -trimpath -ldflags "-s -w -X github.com/docker/compose/v2/internal.Version=$COMPOSE_VERSION" -o "$OLDPWD/$binary.partial" ./cmd)
  mv "$binary.partial" "$binary"
fi

if command -v docker >/dev/null; then
  # A copy, not a link: the plugin must survive this work tree being removed.
  mkdir -p "$plugin_dir"
  cp "$binary" "$plugin_dir/docker-compose.partial" && mv "$plugin_dir/docker-compose.partial" "$plugin_dir/docker-compose"
  docker compose version >/dev/null
fi
