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
# Data paths, latency under load, requests in flight (option tables left out, as in the README).
for body in '{"transport":"tcp4","pattern":"stream","durationMs":2000,"sendMode":"zerocopy"}' '{"transport":"udp4","pattern":"stream","durationMs":2000,"sendMode":"zerocopy","messageSize":8192,"rateBitsPerSecond":1000000000}' \
  '{"transport":"tcp4","pattern":"stream","durationMs":2000,"sendMode":"sendfile"}' \
  '{"transport":"udp4","pattern":"stream","durationMs":2000,"gso":true,"gro":true,"rateBitsPerSecond":2000000000}' \
  '{"transport":"tcp4","pattern":"rr","durationMs":2000,"options":{"both":{"TCP_NODELAY":true}}}' '{"transport":"tcp4","pattern":"rr","durationMs":2000,"inFlight":16,"options":{"both":{"TCP_NODELAY":true}}}' \
  '{"transport":"tcp4","pattern":"rr","durationMs":2000,"background":{"streams":2},"options":{"both":{"TCP_NODELAY":true}}}'; do
  run "curl -s -H 'Accept: text/plain' $base/v1/benchmarks -H 'content-type: application/json' -d '$body' | grep -v '^client\|^server\|^SIDE\|^\$'"
done
# Direction: reverse and bidirectional streams.
for body in '{"transport":"tcp4","pattern":"stream","durationMs":2000,"direction":"reverse"}' '{"transport":"tcp4","pattern":"stream","durationMs":2000,"direction":"bidirectional"}'; do
  run "curl -s -H 'Accept: text/plain' $base/v1/benchmarks -H 'content-type: application/json' -d '$body' | grep -v '^client\|^server\|^SIDE\|^\$'"
done
run "curl -s $base/v1/benchmarks -H 'content-type: application/json' -d '{\"transport\":\"udp4\",\"pattern\":\"stream\",\"direction\":\"reverse\"}'"
# Congestion control and pacing per run.
run "curl -s -H 'Accept: text/plain' $base/v1/benchmarks -H 'content-type: application/json' -d '{\"transport\":\"tcp4\",\"pattern\":\"stream\",\"durationMs\":2000,\"pacingRateBitsPerSecond\":1000000000,\"congestion\":{\"client\":\"cubic\",\"server\":\"reno\"}}' | grep -v '^client\\|^server\\|^SIDE\\|^\$'"
run "curl -s $base/v1/benchmarks -H 'content-type: application/json' -d '{\"transport\":\"tcp4\",\"pattern\":\"stream\",\"congestion\":\"vegas\"}'"
run "curl -s $base/v1/peer/capabilities"
run "curl -s $base/v1/benchmarks -H 'content-type: application/json' -d '{\"transport\":\"unix\",\"pattern\":\"stream\",\"sendMode\":\"zerocopy\"}'"
run "curl -s $base/v1/benchmarks -H 'content-type: application/json' -d '{\"transport\":\"tcp4\",\"pattern\":\"rr\",\"inFlight\":200,\"messageSize\":1024}'"
