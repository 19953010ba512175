# An image of the mqttspec suite itself: the `mqttspec` binary, with the scenario
# corpus, profiles and statement catalogues compiled in, on a slim Debian.
#
#   docker build -t mqttspec .
#   docker run --rm --network host mqttspec run --target tcp://127.0.0.1:1883
#   docker run --rm -v "$PWD:/out" --network host mqttspec run --target tls://broker:8883 \
#       --ca /out/ca.pem --junit /out/junit.xml --json /out/results.json --html /out/report.html
#
# Where no registry is reachable, ci/images/build.sh debian|rust makes local base
# images; pass them as --build-arg BUILDER=mqttspec/rust:bookworm
# --build-arg RUNTIME=mqttspec/debian:bookworm. PROFILE=dev builds faster, for a test.
ARG BUILDER=rust:1-bookworm
ARG RUNTIME=debian:bookworm-slim

FROM ${BUILDER} AS build
ARG PROFILE=release
WORKDIR /src
COPY . .
# Only the suite: no mutants (test builds only), the container targets included.
RUN cargo build --locked --profile "${PROFILE}" -p mqttspec \
 && cp "target/$([ "${PROFILE}" = dev ] && echo debug || echo "${PROFILE}")/mqttspec" /mqttspec

FROM ${RUNTIME}
# TLS targets are trusted through --ca (or --insecure) only, so no CA bundle is needed.
# `container:` targets need the Docker socket: -v /var/run/docker.sock:/var/run/docker.sock --user root.
RUN useradd --system --no-create-home --home-dir /work mqttspec && mkdir -p /work && chown mqttspec /work
COPY --from=build /mqttspec /usr/local/bin/mqttspec
WORKDIR /work
USER mqttspec
ENTRYPOINT ["/usr/local/bin/mqttspec"]
CMD ["--help"]
