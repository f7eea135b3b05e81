#!/usr/bin/env bash
# Installs the outside programs the test suite checks sockbench against, when they are missing:
# promtool (Prometheus' own metrics and rules checker), xmllint (JUnit reports against their XSD),
# iperf3 and sockperf (npm run bench). It runs before `npm test` (the pretest script) and does
# nothing when everything is there. Without root or apt it says what is missing; the tests that
# need a missing program skip and say so.
set -u
need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v iperf3 >/dev/null 2>&1 || need+=(iperf3)
command -v sockperf >/dev/null 2>&1 || need+=(sockperf)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "test-deps: missing Debian packages ${need[*]} (install them as root: apt-get install -y ${need[*]}); the tests that need them skip" >&2
  exit 0
fi
echo "test-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${need[@]}" >/dev/null 2>&1; then
  apt-get update >/dev/null 2>&1 || true
  apt-get install -y --no-install-recommends "${need[@]}" >/dev/null || {
    echo "test-deps: apt-get install ${need[*]} failed" >&2
    exit 1
  }
fi
