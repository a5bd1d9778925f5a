# Shared set-up for tools/run and tools/test: install missing Debian packages (idempotent,
# quiet when everything is there) and build. Sourced, not executed.

ballast_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

ballast_packages=(
  cmake ninja-build ccache g++ pkg-config clang libclang-rt-14-dev
  libboost1.81-dev libsimdjson-dev liburing-dev libconcurrentqueue-dev zlib1g-dev libssl-dev
  libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
  libsecp256k1-dev libjs-chart.js libdeflate-dev
)
# Only the tests need these: headless Chromium renders the HTML report (tests/tools).
ballast_test_packages=(chromium)

ballast_install_packages() {
  local missing=()
  local p
  for p in "${ballast_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ballast: installing ${missing[*]}" >&2
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq >/dev/null
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ballast_build DIR [cmake args...]: configure once, then build everything.
ballast_build() {
  local dir=$1
  shift
  # ccache keys on paths relative to the checkout, so another clone (CI's) reuses the objects.
  export CCACHE_BASEDIR="$ballast_root" CCACHE_NOHASHDIR=1
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ballast_root" -B "$dir" -G Ninja "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$(nproc)"
}

# ballast_install_node_modules: tests/node's npm packages (registry; idempotent, quiet when
# already installed): the Uniswap SDKs that (re)generate the DEX reference vectors, and ganache,
# ethers and Uniswap's published v2/v3 contract artifacts for the live-node test
# (tests/feed/eth_live_node_test.cpp). Without npm that test says why it skips.
ballast_install_node_modules() {
  local dir=$ballast_root/tests/node
  if ! command -v npm >/dev/null 2>&1; then
    echo "ballast: npm not found; tests/node reference checks will skip" >&2
    return 0
  fi
  if [ ! -f "$dir/node_modules/.package-lock.json" ] ||
    [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "ballast: npm ci in tests/node" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}
