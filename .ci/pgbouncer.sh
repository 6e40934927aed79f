#!/usr/bin/env bash
# Starts PgBouncer in transaction mode on 127.0.0.1:6543 in front of the local PostgreSQL,
# like Supabase's transaction pooler, and prints the URL to test through. Prints nothing
# (and exits 0) where it cannot: the pooler tests are then skipped, not failed.
set -u
# Debian puts pgbouncer in /usr/sbin, which a minimal PATH (cron, env -i) lacks.
export PATH="$PATH:/usr/sbin:/sbin"
# One already listening (an earlier run on this machine): test through it.
if pg_isready -h 127.0.0.1 -p 6543 -q 2>/dev/null; then
  echo "postgres://postgres@127.0.0.1:6543/test"
  exit 0
fi
if ! command -v pgbouncer >/dev/null 2>&1; then
  (apt-get install -y -qq pgbouncer >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq pgbouncer >/dev/null 2>&1)) || exit 0
fi
dir=$(mktemp -d /tmp/jobgate-pgbouncer.XXXXXX)
cat >"$dir/pgbouncer.ini" <<INI
[databases]
test = host=127.0.0.1 port=5432 dbname=test user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6543
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 500
default_pool_size = 20
unix_socket_dir =
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
ignore_startup_parameters = extra_float_digits,options
INI
echo '"postgres" ""' >"$dir/userlist.txt"
chown -R postgres "$dir" 2>/dev/null
chmod 755 "$dir"
if [ "$(id -u)" = 0 ]; then
  su postgres -s /bin/sh -c "pgbouncer -d '$dir/pgbouncer.ini'" >/dev/null 2>&1 || exit 0
else
  pgbouncer -d "$dir/pgbouncer.ini" >/dev/null 2>&1 || exit 0
fi
for _ in $(seq 1 20); do
  if pg_isready -h 127.0.0.1 -p 6543 -q 2>/dev/null; then
    echo "postgres://postgres@127.0.0.1:6543/test"
    exit 0
  fi
  sleep 0.5
done
exit 0
