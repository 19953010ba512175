#!/usr/bin/env bash
# Installs the third-party brokers the cross-broker tests and `mqttspec matrix` run:
# Debian's mosquitto, nats-server, rabbitmq-server and ejabberd, and amqtt from PyPI in
# a virtualenv under ~/.cache/mqttspec; also mosquitto's command-line clients and the
# headless browser the matrix test renders the report with. rumqttd takes about ten minutes to build, so it
# is installed only with --with-rumqttd (profiles/rumqttd.yaml finds it in ~/.cargo/bin).
set -euo pipefail

need=()
for pkg in mosquitto mosquitto-clients nats-server rabbitmq-server ejabberd chromium; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
# The packages' own services are not wanted: the tests start private instances.
for svc in mosquitto rabbitmq-server ejabberd nats-server epmd; do
    service "$svc" stop >/dev/null 2>&1 || true
done
# Starting Erlang's services left Debian's epmd daemon (`epmd -daemon`) listening on
# every interface; the profiles start their own on loopback (`epmd -address 127.0.0.1`),
# which are left alone. Stop the daemon by its process id.
for pid in $(pgrep -x epmd 2>/dev/null || true); do
    args=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)
    case "$args" in
        *-address*) ;;
        *) kill "$pid" 2>/dev/null || true ;;
    esac
done

venv="$HOME/.cache/mqttspec/amqtt-venv"
if [ ! -x "$venv/bin/amqtt" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet amqtt==0.12.1
fi

if [ "${1:-}" = "--with-rumqttd" ] && ! command -v rumqttd >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/rumqttd" ]; then
    cargo install rumqttd
fi
