#!/usr/bin/env bash
# The deployment checks CI runs after `npm test` (`npm run build` must have run):
#   1. Kubernetes: each overlay of deploy/k8s rendered by kustomize and validated with
#      kubernetes-validate --strict against the oldest (1.30) and newest (1.37) API
#      schemas it supports; a manifest with an unknown field must be refused.
#   2. Prometheus: `promtool check config` and `promtool test rules` (deploy/monitoring).
#   3. Images: scripts/test-images.mjs builds, runs and calls both images.
# It installs what it needs first (Debian's podman, runc, debootstrap; promtool and
# kubectl's kustomize unpacked from Debian's prometheus and kubernetes-client packages;
# kubernetes-validate from PyPI in a venv), cached under ~/.cache/edgemix.
#
#   bash scripts/ci-deploy.sh                 # all three
#   bash scripts/ci-deploy.sh k8s monitoring  # only these (k8s, monitoring, images)
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
cache="${EDGEMIX_CACHE:-$HOME/.cache/edgemix}"
tools="$cache/deploy-tools"
K8S_OLDEST=1.30.0   # preStop.sleep (no shell in the images) needs 1.30
K8S_NEWEST=1.37.0
sections="${*:-k8s monitoring images}"
wants() { [[ " $sections " == *" $1 "* ]]; }

echo "== deploy: tools"
missing=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ! -x "$tools/usr/bin/promtool" ] || [ ! -x "$tools/usr/bin/kubectl" ] || ((${#missing[@]})); then
  apt-get update -qq
fi
if ((${#missing[@]})); then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -x "$tools/usr/bin/promtool" ] || [ ! -x "$tools/usr/bin/kubectl" ]; then
  debs="$(mktemp -d)"
  chmod 0777 "$debs" # apt-get download runs as _apt where it can
  (cd "$debs" && apt-get download -qq prometheus kubernetes-client)
  mkdir -p "$tools"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$tools"; done
  rm -rf "$debs"
fi
venv="$cache/deploy-venv"
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv --help >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubernetes-validate==1.37.0
fi
promtool="$tools/usr/bin/promtool"
kubectl="$tools/usr/bin/kubectl"
validate="$venv/bin/kubernetes-validate"
echo "tools ready in $((SECONDS - started)) s ($("$promtool" --version 2>&1 | head -1); kubectl $("$kubectl" version --client --short 2>/dev/null || "$kubectl" version --client | head -1))"

passed=0
failed=0
step() { # step NAME COMMAND...
  if "${@:2}"; then
    echo "ok   $1"
    passed=$((passed + 1))
  else
    echo "FAIL $1"
    failed=$((failed + 1))
  fi
}

rendered="$(mktemp -d)"
trap 'rm -rf "$rendered"' EXIT
if wants k8s; then
echo "== deploy: Kubernetes manifests"
for overlay in dev production; do
  "$kubectl" kustomize "deploy/k8s/overlays/$overlay" > "$rendered/$overlay.yaml"
  for version in "$K8S_OLDEST" "$K8S_NEWEST"; do
    step "k8s $overlay renders and validates strictly against $version" \
      "$validate" --strict --quiet -k "$version" "$rendered/$overlay.yaml"
  done
done
cat > "$rendered/bad.yaml" <<'YAML'
apiVersion: v1
kind: Service
metadata: { name: bad }
spec: { ports: [{ port: 80 }], clusterIPs: [], sessionAffinty: None }
YAML
step "k8s: an unknown field (sessionAffinty) is refused" \
  bash -c "! '$validate' --strict --quiet -k '$K8S_NEWEST' '$rendered/bad.yaml' >/dev/null 2>&1"

fi

if wants monitoring; then
echo "== deploy: Prometheus rules and config"
step "promtool check rules" "$promtool" check rules deploy/monitoring/prometheus/alerts.yml
step "promtool check config" "$promtool" check config deploy/monitoring/prometheus/prometheus.yml
step "promtool test rules" "$promtool" test rules deploy/monitoring/prometheus/alerts.test.yml

fi

if wants images; then
echo "== deploy: images"
step "images build, run and answer (scripts/test-images.mjs)" node scripts/test-images.mjs
fi

echo "deploy checks took $((SECONDS - started)) s"
echo "deploy: $passed passed, $failed failed"
((failed == 0))
