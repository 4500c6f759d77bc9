#!/bin/bash
# two "machines": different checkout, HOME, KOCACHE, GOCACHE; one cache repo
set -e
. /tmp/cache-bed/env
KO=/work/wt/cache/bin/ko
rm -rf /tmp/m; mkdir -p /tmp/m
cat > /tmp/m/go-count <<'G'
#!/bin/sh
echo "$1" >> "$COUNT_FILE"
exec /usr/bin/go "$@"
G
chmod +x /tmp/m/go-count
for m in A B; do
  mkdir -p /tmp/m/$m/home /tmp/m/$m/kocache /tmp/m/$m/gocache
  cp -r /work/wt/cache/example /tmp/m/$m/checkout-$m
done
run() { m=$1; shift
  ( cd /tmp/m/$m/checkout-$m && env HOME=/tmp/m/$m/home KOCACHE=/tmp/m/$m/kocache GOCACHE=/tmp/m/$m/gocache \
    COUNT_FILE=/tmp/m/$m/go.log KO_GO_PATH=/tmp/m/go-count KO_CACHE_REPO=$TESTBED_REGISTRY/buildcache-$RUNID \
    KO_DOCKER_REPO=$TESTBED_REGISTRY/app-${m,,} KO_DEFAULTBASEIMAGE=$TESTBED_BASE_SINGLE \
    $KO build --insecure-registry -v "$@" ) ; }
s=$(date +%s%N); A=$(run A ./cmd/hello 2>/tmp/m/A.err); e=$(date +%s%N); echo "A: $A $(( (e-s)/1000000 )) ms"
s=$(date +%s%N); B=$(run B ./cmd/hello 2>/tmp/m/B.err); e=$(date +%s%N); echo "B: $B $(( (e-s)/1000000 )) ms"
echo "A go: $(sort /tmp/m/A/go.log | uniq -c | tr '\n' ' ')"; echo "B go: $(sort /tmp/m/B/go.log | uniq -c | tr '\n' ' ')"
grep -h 'cache hit\|cache miss\|warning' /tmp/m/A.err /tmp/m/B.err
skopeo inspect --tls-verify=false --raw docker://${B} | sha256sum
