#!/usr/bin/env bash
# Install the system packages ringside's tests and peers need on Debian (run as root or
# with sudo). Idempotent: packages already present are skipped by apt.
set -euo pipefail

packages=(
  build-essential python3        # node-gyp builds, the C header oracles
  linux-libc-dev                 # <linux/virtio_*.h> for the C oracle
  qemu-system-x86                # QEMU qtest peer
  # canvas 3 builds from source (report PNGs, measurement.md §1.1); run before npm ci
  libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev libpixman-1-dev
  chromium                       # headless browser for test/browser (playwright-core, no download)
  fonts-dejavu-core              # DejaVu Sans registered for PNG charts
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "system packages ready: ${packages[*]}"
