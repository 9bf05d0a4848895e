#!/usr/bin/env bash
# Installs the Debian packages wardwatch's tests and benchmark use, only when missing.
# Idempotent; needs root (or sudo) only when something is missing.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have tcpdump     || need+=(tcpdump)
have tshark      || need+=(tshark)
have ndpiReader  || need+=(libndpi-bin)
have nft         || need+=(nftables)
have unsquashfs  || need+=(squashfs-tools)
have mksquashfs  || need+=(squashfs-tools)
have fsck.cramfs || need+=(util-linux)
have debugfs     || need+=(e2fsprogs)
have cpio        || need+=(cpio)
have xz          || need+=(xz-utils)
have unzip       || need+=(unzip)
have ip          || need+=(iproute2)
have dnsmasq     || need+=(dnsmasq-base)
have conntrack   || need+=(conntrack)
have chromium    || need+=(chromium)      # the console's browser test (test/web)
[ -x /usr/bin/time ] || need+=(time)
compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || need+=(postgresql)   # the store tests' second engine
if [ ${#need[@]} -eq 0 ]; then
  echo "setup-system: all tools present"
  exit 0
fi
echo "setup-system: installing ${need[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if have sudo; then SUDO="sudo"; else echo "setup-system: need root to install ${need[*]}" >&2; exit 1; fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "setup-system: done"
