#!/usr/bin/env bash
# `typespec-workers init` from an empty folder, as the README tells it: the packed tarball, system
# Node first on PATH, one command to run the example graph. Usage: init-project.sh TARBALL DIR.
set -euo pipefail
tarball=$(realpath "$1")
mkdir -p "$2"
cd "$2"
npm exec --yes --package="$tarball" --package=node@24 -- typespec-workers init demo --package "file:$tarball"
cd demo
npm start
npm run --silent typecheck
