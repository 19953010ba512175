#!/usr/bin/env bash
# Builds local broker images without a registry: a root filesystem holding the broker
# binary, the shared libraries it links (as ldd lists them) and a configuration, turned
# into an image with `docker import`.
#
#   ci/images/build.sh mosquitto|nats|reference|all [path to the mqttspec binary]
#   ci/images/build.sh debian|rust
#
# Tags: mqttspec/mosquitto:<version>, mqttspec/nats:<version>, mqttspec/reference:<version>
# (the versions of the installed Debian packages, and of the workspace).
# `debian` and `rust` make the base images the root Dockerfile needs where no registry
# is reachable: mqttspec/debian:bookworm (debootstrap --variant=minbase from Debian's
# packages) and mqttspec/rust:bookworm (that, a C toolchain, this machine's Rust
# toolchain and its crate cache, CARGO_NET_OFFLINE set). Build the suite's image with
#   docker build --build-arg BUILDER=mqttspec/rust:bookworm \
#                --build-arg RUNTIME=mqttspec/debian:bookworm -t mqttspec:local . Each image
# listens for MQTT on 1883 on all interfaces *inside* the container; tests reach it
# through 127.0.0.1 and the port Docker maps.
set -euo pipefail
cd "$(dirname "$0")/../.."

upstream() { dpkg-query -W -f='${Version}' "$1" | sed -E 's/^[0-9]+://; s/[-+~].*$//'; }

# Copies a binary and every library it needs into $root, keeping their paths.
add_binary() {
    local root=$1 bin=$2
    install -D -m 0755 "$bin" "$root$bin"
    ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
        [ -e "$lib" ] && install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done
}

base_root() {
    local root
    root=$(mktemp -d)
    mkdir -p "$root/etc" "$root/tmp" "$root/data"
    chmod 1777 "$root/tmp"
    printf 'root:x:0:0:root:/:/bin/false\nmosquitto:x:100:101::/data:/bin/false\nnobody:x:65534:65534::/:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nmosquitto:x:101:\nnogroup:x:65534:\n' >"$root/etc/group"
    chmod 0777 "$root/data"
    echo "$root"
}

import() {
    local root=$1 tag=$2
    shift 2
    local changes=()
    for c in "$@"; do changes+=(--change "$c"); done
    tar -C "$root" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
    rm -rf "$root"
    echo "built $tag"
}

build_mosquitto() {
    local bin=/usr/sbin/mosquitto root
    [ -x "$bin" ] || { echo "mosquitto is not installed (apt-get install mosquitto)" >&2; return 1; }
    root=$(base_root)
    add_binary "$root" "$bin"
    mkdir -p "$root/mosquitto/config"
    printf 'listener 1883 0.0.0.0\nallow_anonymous true\npersistence false\n' >"$root/mosquitto/config/mosquitto.conf"
    import "$root" "mqttspec/mosquitto:$(upstream mosquitto)" \
        'ENTRYPOINT ["/usr/sbin/mosquitto"]' 'CMD ["-c", "/mosquitto/config/mosquitto.conf"]' 'EXPOSE 1883'
}

build_nats() {
    local bin=/usr/sbin/nats-server root
    [ -x "$bin" ] || bin=/usr/bin/nats-server
    [ -x "$bin" ] || { echo "nats-server is not installed (apt-get install nats-server)" >&2; return 1; }
    root=$(base_root)
    add_binary "$root" "$bin"
    cat >"$root/nats.conf" <<'CONF'
server_name: mqttspec
listen: 0.0.0.0:4222
jetstream { store_dir: "/data/jetstream" }
mqtt { listen: 0.0.0.0:1883 }
CONF
    import "$root" "mqttspec/nats:$(upstream nats-server)" \
        "ENTRYPOINT [\"$bin\"]" 'CMD ["-c", "/nats.conf"]' 'EXPOSE 1883'
}

build_reference() {
    local bin=${1:-target/release/mqttspec} root version
    [ -x "$bin" ] || bin=target/debug/mqttspec
    [ -x "$bin" ] || { echo "no mqttspec binary: cargo build -p mqttspec" >&2; return 1; }
    root=$(base_root)
    install -D -m 0755 "$bin" "$root/usr/bin/mqttspec"
    ldd "$bin" 2>/dev/null | grep -oE '/[^ ]+' | sort -u | while read -r lib; do
        [ -e "$lib" ] && install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
    done
    version=$(sed -nE 's/^version = "([^"]+)"/\1/p' Cargo.toml | head -1)
    import "$root" "mqttspec/reference:$version" \
        'ENTRYPOINT ["/usr/bin/mqttspec", "broker"]' 'CMD ["--listen", "0.0.0.0:1883"]' 'EXPOSE 1883'
}

# A minimal Debian root filesystem (plus the packages named) in a new directory.
debian_root() {
    local root
    command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; return 1; }
    root=$(mktemp -d)
    debootstrap --variant=minbase ${1:+--include="$1"} bookworm "$root" http://deb.debian.org/debian >&2
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    echo "$root"
}

build_debian() {
    import "$(debian_root ca-certificates)" mqttspec/debian:bookworm 'CMD ["/bin/bash"]'
}

build_rust() {
    local root toolchain
    toolchain=$(rustc --print sysroot)
    [ -x "$toolchain/bin/cargo" ] || { echo "no Rust toolchain here (rustup)" >&2; return 1; }
    root=$(debian_root ca-certificates,gcc,libc6-dev)
    # The compiler and the standard library for this host; no documentation.
    mkdir -p "$root/usr/local/rust"
    cp -a "$toolchain/bin" "$root/usr/local/rust/"
    mkdir -p "$root/usr/local/rust/lib/rustlib"
    cp -a "$toolchain"/lib/*.so* "$root/usr/local/rust/lib/" 2>/dev/null || true
    cp -a "$toolchain/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')" "$toolchain/lib/rustlib/etc" \
        "$root/usr/local/rust/lib/rustlib/" 2>/dev/null || true
    # The crates this workspace locks, so that the build needs no registry.
    mkdir -p "$root/usr/local/cargo"
    cp -a "${CARGO_HOME:-$HOME/.cargo}/registry" "$root/usr/local/cargo/"
    import "$root" mqttspec/rust:bookworm \
        'ENV PATH=/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        'ENV CARGO_HOME=/usr/local/cargo' 'ENV CARGO_NET_OFFLINE=true' 'CMD ["/bin/bash"]'
}

case "${1:-all}" in
    mosquitto) build_mosquitto ;;
    nats) build_nats ;;
    reference) build_reference "${2:-}" ;;
    all) build_mosquitto; build_nats; build_reference "${2:-}" ;;
    debian) build_debian ;;
    rust) build_rust ;;
    *) echo "usage: $0 mosquitto|nats|reference|all [mqttspec binary] | debian | rust" >&2; exit 2 ;;
esac
