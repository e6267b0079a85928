#!/usr/bin/env bash
# A private, throwaway RabbitMQ node on 127.0.0.1 for tests, samples and benchmarks.
#   eng/services/rabbitmq.sh start DIR        prints the AMQP URI (amqp://guest:guest@127.0.0.1:PORT/) once the node is up
#   eng/services/rabbitmq.sh ctl DIR ARGS...  runs rabbitmqctl against that node (for example: ctl DIR status)
#   eng/services/rabbitmq.sh restart DIR [--wipe]  stops the node and starts it again on the same AMQP port, with its data
#                                             (--wipe: empty, as a node that lost its disk); sleeps RESTART_DOWNTIME s between
#   eng/services/rabbitmq.sh stop DIR
# Installs RabbitMQ (3.10 on Debian 12) from Debian when it is missing, without starting the system service. The node
# runs as the calling user with everything in DIR (HOME with the Erlang cookie, Mnesia, logs, config, PID file) and
# its own epmd on a private port, so several nodes (all named rabbit@localhost) can run side by side and stopping one
# never touches another. AMQP takes 5672 when it is free, else a port the kernel picks; the Erlang distribution and
# epmd take ports the kernel picks; everything binds 127.0.0.1 and no plugin is enabled (no management port).
# guest/guest is allowed because clients connect over loopback. Starts in about 10 s (20 s on a busy machine).
set -euo pipefail
cmd=${1:?start|restart|ctl|stop}
dir=${2:?state directory}
shift 2
dir=$(realpath -m "$dir") # HOME and the other paths in DIR/env must not depend on the working directory

bin=/usr/lib/rabbitmq/bin

install() {
  if [ -x "$bin/rabbitmq-server" ]; then return; fi
  local sudo=
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "rabbitmq.sh: RabbitMQ is missing and installing it needs root" >&2; exit 1; }
    sudo=sudo
  fi
  # One installer at a time (eng/test.sh and a developer may start it together); the other waits and reuses it.
  exec 9>/tmp/sagas-rabbitmq-install.lock
  flock 9
  if [ ! -x "$bin/rabbitmq-server" ]; then
    echo "rabbitmq.sh: RabbitMQ not found: installing it from Debian" >&2
    # The package would start the system service (and its epmd on 0.0.0.0:4369) where services may start: forbid
    # that for the length of the install unless a policy (Docker images have one) already does.
    local policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      policy=/usr/sbin/policy-rc.d
      printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
      $sudo chmod 755 "$policy"
    fi
    local status=0
    bash "$(dirname "$0")/apt-install.sh" rabbitmq-server || status=$?
    if [ -n "$policy" ]; then $sudo rm -f "$policy"; fi
    [ "$status" = 0 ] || exit "$status"
    # Belt and braces: a system node started anyway (no policy honoured) is stopped again.
    if pgrep -u rabbitmq beam.smp >/dev/null 2>&1; then
      $sudo service rabbitmq-server stop >&2 || $sudo pkill -u rabbitmq beam.smp || true
    fi
    if pgrep -u rabbitmq -x epmd >/dev/null 2>&1; then $sudo pkill -u rabbitmq -x epmd || true; fi
  fi
  flock -u 9
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.close()' "$1" 2>/dev/null; }

# The environment the server and rabbitmqctl share (same HOME: same Erlang cookie; same epmd). Written by start.
load_env() {
  [ -f "$dir/env" ] || { echo "rabbitmq.sh: no node in $dir" >&2; return 1; }
  # shellcheck disable=SC1091
  . "$dir/env"
}

write_env() {
  local amqp=$1 dist=$2 epmd=$3
  cat >"$dir/env" <<EOF
export HOME='$dir/home'
export RABBITMQ_NODENAME=rabbit@localhost
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT=$amqp
export RABBITMQ_DIST_PORT=$dist
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT=$epmd
export RABBITMQ_MNESIA_BASE='$dir/mnesia'
export RABBITMQ_LOG_BASE='$dir/log'
export RABBITMQ_CONFIG_FILE='$dir/rabbitmq.conf'
export RABBITMQ_ADVANCED_CONFIG_FILE='$dir/advanced.config'
export RABBITMQ_CONF_ENV_FILE='$dir/rabbitmq-env.conf'
export RABBITMQ_ENABLED_PLUGINS_FILE='$dir/enabled_plugins'
export RABBITMQ_PID_FILE='$dir/rabbit.pid'
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'
EOF
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp
loopback_users.guest = true
EOF
  echo '[].' >"$dir/enabled_plugins"
}

# Starts the node on the given AMQP port; fails (leaving nothing running) if it does not come up. With "keep" as the
# second argument the node keeps its data (queues, messages, definitions) from its last run.
start_node() {
  local amqp=$1
  if [ "${2:-}" = keep ]; then
    rm -f "$dir/rabbit.pid"
  else
    rm -rf "$dir/home" "$dir/mnesia" "$dir/log" "$dir/rabbit.pid"
  fi
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  write_env "$amqp" "$(free_port)" "$(free_port)"
  (load_env && exec "$bin/rabbitmq-server" </dev/null >"$dir/server.log" 2>&1) &
  echo $! >"$dir/pid"
  # 'rabbitmqctl wait' (not await_startup, which fails before the node is registered) returns once the node is up.
  (load_env && exec "$bin/rabbitmqctl" wait --timeout 120 "$dir/rabbit.pid" >"$dir/wait.log" 2>&1) &
  local waiter=$!
  while kill -0 "$waiter" 2>/dev/null; do
    if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      kill "$waiter" 2>/dev/null || true
      wait "$waiter" 2>/dev/null || true
      stop_node
      return 1
    fi
    sleep 0.1
  done
  if ! wait "$waiter"; then
    stop_node
    return 1
  fi
}

stop_node() {
  [ -f "$dir/env" ] || return 0
  (
    load_env
    if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
      timeout 60 "$bin/rabbitmqctl" shutdown >/dev/null 2>&1 || true
    fi
    # Whatever shutdown could not stop (a node still booting, a hung one): the server and its wrapper script.
    for pid in $(cat "$dir/rabbit.pid" 2>/dev/null) $(cat "$dir/pid" 2>/dev/null); do
      if { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q rabbit; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
    # Last: any rabbitmqctl call (re)starts epmd. It is ours alone (private port).
    epmd -kill >/dev/null 2>&1 || true
  )
}

case "$cmd" in
  start)
    install
    mkdir -p "$dir"
    port=5672
    port_free "$port" || port=$(free_port)
    # A port that looked free can be taken before the node binds it: retry on fresh ports.
    for attempt in 1 2 3; do
      if start_node "$port"; then
        echo "$port" >"$dir/port"
        echo "amqp://guest:guest@127.0.0.1:$port/"
        exit 0
      fi
      echo "rabbitmq.sh: RabbitMQ did not start on port $port (attempt $attempt):" >&2
      tail -n 20 "$dir/server.log" "$dir/wait.log" >&2 2>/dev/null || true
      port=$(free_port)
    done
    exit 1
    ;;
  restart)
    port=$(cat "$dir/port")
    stop_node
    date -u +%Y-%m-%dT%H:%M:%S.%NZ >"$dir/stopped-at" # when the node was down: what it held until then is what a wipe loses
    if [ "${1:-}" = "--wipe" ]; then rm -rf "$dir/mnesia"; fi
    sleep "${RESTART_DOWNTIME:-0}"
    # The Erlang cookie stays (HOME is kept), so rabbitmqctl still talks to the node.
    start_node "$port" keep || { echo "rabbitmq.sh: RabbitMQ did not restart on port $port" >&2; tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
  ctl)
    load_env
    exec "$bin/rabbitmqctl" "$@"
    ;;
  stop)
    stop_node
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR  |  $0 restart DIR [--wipe]  |  $0 ctl DIR ARGS..." >&2; exit 2 ;;
esac
