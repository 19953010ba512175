#!/bin/bash -eu
# Entry point ClusterFuzzLite and OSS-Fuzz run inside the builder image.
exec "$SRC/mqttspec/fuzz/oss-fuzz-build.sh"
