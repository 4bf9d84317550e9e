#!/usr/bin/env bash
# Sets up a fresh clone: the Debian tools the tests and launchers use, then the npm packages
# (which bring Node ≥ 22 as node_modules/.bin/node on machines whose system Node is older), then
# the build. Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

# bash, coreutils: everywhere. jq: the generated launchers parse call args with it. openssl: the
# example worker. shellcheck: the tests lint every generated launcher. For the tests of real parts:
# chromium (the run viewer in a browser, driven by playwright-core; npm downloads no browser),
# podman with runc, bubblewrap and busybox-static (container workers; see docs/worker-pool.md);
# OpenMPI (mpicc, mpirun; it brings the PMIx library Slurm's srun --mpi=pmix needs) and
# Environment Modules for the HPC tests on Slurm (docs/slurm.md). Slurm is installed and started
# by the Slurm tests themselves (scripts/slurm/start.sh).
needed=()
for tool in jq:jq openssl:openssl shellcheck:shellcheck chromium:chromium podman:podman runc:runc \
  bwrap:bubblewrap busybox:busybox-static newuidmap:uidmap mpicc:libopenmpi-dev mpirun:openmpi-bin \
  modulecmd:environment-modules; do
  command -v "${tool%%:*}" >/dev/null 2>&1 || needed+=("${tool#*:}")
done
if ((${#needed[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]] && ! sudo -n true 2>/dev/null; then
    echo "setup: please install ${needed[*]} (Debian: apt-get install -y ${needed[*]}); root is needed" >&2
    exit 1
  fi
  as_root=()
  [[ $(id -u) -ne 0 ]] && as_root=(sudo -n)
  echo "setup: installing ${needed[*]} from Debian packages" >&2
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${needed[@]}" >/dev/null
fi

if [[ ! -x node_modules/.bin/node ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "setup: installing npm packages" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi

echo "setup: building" >&2
npm run --silent build
echo "setup: ready (node $(node_modules/.bin/node --version))" >&2
