#!/usr/bin/env bash
# Prints every curl example of README.md with its real output, against a running service
# (npm start in another terminal). Used to keep the README true: paste what this prints.
set -euo pipefail
base=${1:-http://127.0.0.1:8080}
run() { printf '$ %s\n' "$*"; eval "$@"; printf '\n'; }
run "curl -s $base/v1/health"
run "curl -s $base/v1/sockopts -H 'content-type: application/json' -d '{\"transport\":\"tcp4\",\"options\":{\"SO_SNDBUF\":4096}}'"
run "curl -s '$base/v1/sockopts?format=text' -H 'content-type: application/json' -d '{\"transport\":\"tcp4\",\"side\":\"server\",\"options\":{\"SO_RCVBUF\":1073741824,\"SO_RCVTIMEO\":{\"sec\":0,\"usec\":5000},\"TCP_NODELAY\":5,\"TCP_CONGESTION\":\"reno\"},\"get\":[{\"name\":\"TCP_WINDOW_CLAMP\"},{\"name\":\"TCP_INFO\"}]}'"
run "curl -s '$base/v1/sockopts?format=text' -H 'content-type: application/json' -d '{\"transport\":\"udp4\",\"options\":{\"TCP_NODELAY\":true,\"SO_PRIORITY\":7,\"SO_RCVBUF\":1}}'"
run "curl -s -H 'Accept: text/plain' '$base/v1/options?level=IPPROTO_UDP'"
run "curl -s '$base/v1/options/SO_RCVBUF?format=text'"
run "curl -s '$base/v1/defaults?format=text' | head -12"
run "curl -s $base/v1/defaults | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d[\"sockets\"][\"tcp4\"])[:300])'"
run "curl -s $base/v1/sockopts -H 'content-type: application/json' -d '{\"transport\":\"tcp4\",\"options\":{\"SO_SNDBUFF\":4096}}'"
run "curl -s $base/v1/sockopts -H 'content-type: application/json' -d '{\"transport\":\"quic\"}'"
run "curl -s $base/v1/advice -H 'content-type: application/json' -d '{\"bandwidthBitsPerSecond\":10e9,\"rttMs\":80}'"
run "curl -s -H 'Accept: text/plain' $base/v1/advice -H 'content-type: application/json' -d '{\"bandwidthBitsPerSecond\":10e9,\"rttMs\":80}'"
run "curl -s $base/v1/advice -H 'content-type: application/json' -d '{\"bandwidthBitsPerSecond\":10e9,\"rttMs\":0}'"
