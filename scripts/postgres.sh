#!/usr/bin/env bash
# Throwaway PostgreSQL for tests: `source scripts/postgres.sh` starts a cluster in a temp
# folder on a free loopback port, as an unprivileged user when run as root, exports
# DATABASE_URL, and stops and removes the cluster when the calling shell exits.
# It returns non-zero (and starts nothing) when no PostgreSQL binaries are found.

pg_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return 0
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
  return 1
}

start_throwaway_postgres() {
  local bindir dir port runas=()
  bindir=$(pg_bindir) || return 1
  dir=$(mktemp -d /tmp/tandem-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000)))
  if [ "$(id -u)" = 0 ]; then
    chown nobody "$dir"
    runas=(runuser -u nobody --)
  fi
  "${runas[@]}" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; return 1; }
  # Tests create and drop a database each; durability does not matter here.
  "${runas[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$dir/server.log" >&2; return 1; }
  TANDEM_PG_DIR=$dir
  TANDEM_PG_BINDIR=$bindir
  TANDEM_PG_RUNAS="${runas[*]}"
  trap stop_throwaway_postgres EXIT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
  echo "throwaway PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on port $port ($dir)"
}

stop_throwaway_postgres() {
  [ -n "${TANDEM_PG_DIR:-}" ] || return 0
  $TANDEM_PG_RUNAS "$TANDEM_PG_BINDIR/pg_ctl" -D "$TANDEM_PG_DIR/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$TANDEM_PG_DIR"
  TANDEM_PG_DIR=
}
