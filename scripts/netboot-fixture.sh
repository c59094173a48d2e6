#!/usr/bin/env bash
# The net-boot tests' real-package fixture (issue 19, docs/netboot.md): Debian's own
# binary packages of a minimal userspace, busybox-static and the current cloud kernel,
# fetched with apt-get download and converted to RPMs with alien, keeping Debian's
# versions (-k). Written to DIR/rpms/; DIR/READY, listing them, is written last, so a
# half-made DIR is never taken as complete (test/helpers/netboot-fixture.ts reads it).
#
#   scripts/netboot-fixture.sh DIR        (.ci/run: DIR = .cache/netboot)
#
# Idempotent: a complete DIR is left as it is; an interrupted run resumes (each package's
# RPM is kept once built). Needs apt-get, alien and rpmbuild.
set -euo pipefail

usage() { echo "usage: $0 DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
DIR=$1
JOBS=${NETBOOT_FIXTURE_JOBS:-2}

# The packages: a shell, coreutils, grep/sed/tar and the libraries they link, busybox for
# the initrd, and the kernel the cloud metapackage points at now (resolved below, so a
# kernel ABI bump needs no edit here).
PACKAGES=(base-files bash dash coreutils libc6 libgcc-s1 libacl1 libattr1 libgmp10
  libpcre2-8-0 libselinux1 libtinfo6 grep sed tar busybox-static)

complete() {
  [ -f "$DIR/READY" ] || return 1
  local rpm
  while IFS= read -r rpm; do [ -f "$DIR/rpms/$rpm" ] || return 1; done < "$DIR/READY"
}

if complete; then
  echo "netboot fixture: $DIR is complete ($(wc -l < "$DIR/READY") rpms)"
  exit 0
fi

for tool in apt-get apt-cache alien rpmbuild dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "netboot fixture: $tool is missing (apt-get install alien rpm)" >&2; exit 1; }
done

kernel=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
[ -n "$kernel" ] || { echo "netboot fixture: apt-cache cannot resolve linux-image-cloud-amd64 to a kernel package (apt-get update?)" >&2; exit 1; }
PACKAGES+=("$kernel")

rm -f "$DIR/READY"
mkdir -p "$DIR/debs" "$DIR/rpms" "$DIR/work"
DIR=$(cd "$DIR" && pwd)

# The .deb of a package already downloaded, if any (apt-get download names it NAME_VERSION_ARCH.deb).
deb_of() { compgen -G "$DIR/debs/$1_*.deb" | head -n 1 || true; }

missing=()
for p in "${PACKAGES[@]}"; do [ -n "$(deb_of "$p")" ] || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "netboot fixture: apt-get download ${missing[*]}"
  # apt runs unsandboxed as root here (its _apt user may not read DIR): say nothing about it
  (cd "$DIR/debs" && apt-get download -q "${missing[@]}" 2>&1 | grep -v 'unsandboxed' >&2 || true)
  for p in "${missing[@]}"; do [ -n "$(deb_of "$p")" ] || { echo "netboot fixture: apt-get download $p failed" >&2; exit 1; }; done
fi

# rpmbuild as Debian configures it would strip and recompress Debian's files and add
# /usr/lib/.build-id links: the RPMs carry the .debs' files unchanged instead. Payloads are
# zstd level 3 (as Fedora's, read natively by bazaar): its default gzip -9 took the kernel
# 55 s, zstd 5 s.
RPMBUILD_DEFINES=(--define '__os_install_post %{nil}' --define '_build_id_links none' --define '_binary_payload w3.zstdio')

# One package: alien -g writes the spec and the unpacked tree; libc6 also provides
# rtld(GNU_HASH), the dependency rpmbuild's ELF scanner gives every dynamic binary (Debian's
# dpkg has no such name, so alien does not write it). Then rpmbuild in the tree, as alien
# itself would. The RPM's name goes to work/NAME.rpm-name once it is in rpms/.
convert() {
  local p=$1 deb=$2 work="$DIR/work/$1" start=$SECONDS spec rpm target=x86_64
  [ "$(dpkg-deb -f "$deb" Architecture)" = all ] && target=noarch
  rm -rf "$work" && mkdir -p "$work"
  (cd "$work" && alien -g -r -k "$deb" >alien.log 2>&1) || { echo "netboot fixture: alien $p failed:" >&2; cat "$work/alien.log" >&2; return 1; }
  spec=$(compgen -G "$work/*/*.spec" | head -n 1)
  [ "$p" = libc6 ] && sed -i '/^Group:/a Provides: rtld(GNU_HASH)' "$spec"
  (cd "$(dirname "$spec")" && rpmbuild --buildroot="$PWD" -bb --target "$target" "${RPMBUILD_DEFINES[@]}" "$(basename "$spec")" >"$work/rpmbuild.log" 2>&1) \
    || { echo "netboot fixture: rpmbuild $p failed:" >&2; tail -n 20 "$work/rpmbuild.log" >&2; return 1; }
  rpm=$(compgen -G "$work/*.rpm" | head -n 1)
  [ -n "$rpm" ] || { echo "netboot fixture: rpmbuild $p wrote no rpm" >&2; return 1; }
  mv "$rpm" "$DIR/rpms/"
  basename "$rpm" > "$DIR/work/$p.rpm-name"
  rm -rf "$work"
  echo "netboot fixture: $(basename "$deb") -> $(basename "$rpm") ($((SECONDS - start)) s)"
}

# Two conversions at a time; the kernel (the largest) first, so it does not run alone at the end.
order=("$kernel")
for p in "${PACKAGES[@]}"; do [ "$p" = "$kernel" ] || order+=("$p"); done
running=0 failed=0
for p in "${order[@]}"; do
  if [ -f "$DIR/work/$p.rpm-name" ] && [ -f "$DIR/rpms/$(cat "$DIR/work/$p.rpm-name")" ]; then
    echo "netboot fixture: $p -> $(cat "$DIR/work/$p.rpm-name") (kept)"
    continue
  fi
  if [ $running -ge "$JOBS" ]; then wait -n || failed=1; running=$((running - 1)); fi
  convert "$p" "$(deb_of "$p")" &
  running=$((running + 1))
done
while [ $running -gt 0 ]; do wait -n || failed=1; running=$((running - 1)); done
[ $failed -eq 0 ] || { echo "netboot fixture: a conversion failed; run again to resume" >&2; exit 1; }

for p in "${PACKAGES[@]}"; do cat "$DIR/work/$p.rpm-name"; done > "$DIR/READY.tmp"
mv "$DIR/READY.tmp" "$DIR/READY"
echo "netboot fixture: $DIR is complete ($(wc -l < "$DIR/READY") rpms)"
