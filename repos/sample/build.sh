#!/bin/bash
# build.sh - rebuild every RPM of the bazaar sample repository from specs/.
#
# Usage: repos/sample/build.sh [SPEC-NAME...]
#   With no arguments, RPMS/ and SRPMS/ are wiped and every specs/*.spec is
#   built; with names (e.g. "bash webserver") only those specs are rebuilt.
#   A full rebuild also regenerates expected.json (./gen-expected.py); after a
#   partial rebuild run ./gen-expected.py --solve yourself.
#
# Each spec is built for x86_64 (noarch packages stay noarch); a spec may ask
# for more target arches with a "# bazaar-sample-targets: x86_64 i586" line.
# Specs listed in SRPM_SPECS below also get a source RPM in SRPMS/.
# Builds are as deterministic as rpm allows: fixed SOURCE_DATE_EPOCH used
# as build time and mtime clamp, fixed build host, no debuginfo, no
# build-id links. Everything happens in a temporary _topdir
# (/tmp/bazaar-sample-build, removed afterwards).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

export SOURCE_DATE_EPOCH=1732233600   # 2024-11-22 00:00:00 UTC
export TZ=UTC LC_ALL=C
SRPM_SPECS="bash coreutils openssl3 webapp"

command -v rpmbuild >/dev/null || { echo "build.sh: rpmbuild not found" >&2; exit 1; }

# A fixed _topdir path (not mktemp): source RPMs record the expanded %install
# script, which mentions %{buildroot}, so a random path would make them differ
# on every build. A lock keeps two concurrent runs apart.
top=/tmp/bazaar-sample-build
exec 9>"$top.lock"
flock -n 9 || { echo "build.sh: another build holds $top.lock" >&2; exit 1; }
rm -rf "$top"
trap 'rm -rf "$top"' EXIT
mkdir -p "$top"/{BUILD,BUILDROOT,RPMS,SRPMS,SOURCES,SPECS}
# Work on copies with a fixed mtime, so source RPMs (which carry the spec
# and the sources with their mtimes) are reproducible too.
cp sources/* "$top/SOURCES/"
cp specs/*.spec "$top/SPECS/"
find "$top/SOURCES" "$top/SPECS" -type f -exec touch -d "@$SOURCE_DATE_EPOCH" {} +

if [ $# -gt 0 ]; then
	specs=()
	for n in "$@"; do
		[ -f "specs/$n.spec" ] || { echo "build.sh: no specs/$n.spec" >&2; exit 1; }
		specs+=("specs/$n.spec")
	done
else
	specs=(specs/*.spec)
	rm -rf RPMS SRPMS
fi
mkdir -p RPMS SRPMS

rpmb() {
	rpmbuild \
		--define "_topdir $top" \
		--define "_buildhost bazaar-sample" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "source_date_epoch_from_changelog 0" \
		--define "debug_package %{nil}" \
		--define "_build_id_links none" \
		--define "__brp_python_bytecompile %{nil}" \
		--define "_binary_filedigest_algorithm 8" \
		--define "_source_filedigest_algorithm 8" \
		--nodeps --quiet "$@"
}

for spec in "${specs[@]}"; do
	name=$(basename "$spec" .spec)
	targets=$(sed -n 's/^# bazaar-sample-targets:[[:space:]]*//p' "$spec")
	[ -n "$targets" ] || targets=x86_64
	for t in $targets; do
		echo "== $name ($t)"
		rpmb --target "$t" -bb "$top/SPECS/$name.spec" > "$top/log" 2>&1 || {
			cat "$top/log" >&2
			echo "build.sh: FAILED: $spec for $t" >&2
			exit 1
		}
		grep -i 'warning' "$top/log" >&2 || true
	done
	if [[ " $SRPM_SPECS " == *" $name "* ]]; then
		echo "== $name (src)"
		rpmb -bs "$top/SPECS/$name.spec" > "$top/log" 2>&1 || {
			cat "$top/log" >&2
			echo "build.sh: FAILED: $spec source package" >&2
			exit 1
		}
	fi
done

# Move results into place.
for d in "$top"/RPMS/*/; do
	arch=$(basename "$d")
	mkdir -p "RPMS/$arch"
	mv -f "$d"*.rpm "RPMS/$arch/"
done
mv -f "$top"/SRPMS/*.rpm SRPMS/ 2>/dev/null || true
rmdir SRPMS 2>/dev/null || true

# Refresh expected.json (with libsolv reference results when the tools exist).
if [ $# -eq 0 ]; then
	if command -v createrepo_c >/dev/null && [ -e "${SOLVE_LIBSOLV:-/work/shared/tools/solve_libsolv.py}" ]; then
		./gen-expected.py --solve
	else
		echo "build.sh: createrepo_c or solve_libsolv.py missing; expected.json without a fresh libsolv section" >&2
		./gen-expected.py
	fi
fi

echo "built: $(find RPMS -name '*.rpm' | wc -l) binary, $(find SRPMS -name '*.rpm' 2>/dev/null | wc -l) source packages"
du -sh RPMS SRPMS 2>/dev/null
