#!/bin/sh
# The test VA's /sbin/init (docs/netboot.md, the net-boot tests): says which profile
# booted and what state it found, changes its root (a file written, a file removed), packs
# its overlay upper onto the scratch disk given by va.scratch=DEV, and powers off.
#
# Console lines, each whole: VA-MARKER <profile>, VA-SEEN <state>|none, VA-WRITABLE yes|no,
# VA-PACKED <bytes> (only with va.scratch=), VA-ERROR <what> when packing fails.
# /etc/va-state holds "<profile> <n>", n counting the boots that saw their state kept.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH

profile=$(cat /etc/va-profile 2>/dev/null) || profile=unknown
echo "VA-MARKER $profile"

seen=none
[ -f /etc/va-state ] && seen=$(cat /etc/va-state)
echo "VA-SEEN $seen"
n=$(echo "$seen" | sed -n 's/^.* \([0-9][0-9]*\)$/\1/p')
if echo "$profile $((${n:-0} + 1))" >/etc/va-state 2>/dev/null; then
  echo "VA-WRITABLE yes"
else
  echo "VA-WRITABLE no"
fi
# a file of a lower layer removed: overlayfs leaves a whiteout (char 0/0) in the upper
rm -f /etc/va-remove-me

scratch=$(sed -n 's/^\(.* \)\{0,1\}va\.scratch=\([^ ]*\).*/\2/p' /proc/cmdline)
if [ -n "$scratch" ]; then
  # straight onto the disk: a file in the root would land in the upper being packed
  if out=$(tar -C /run/bazaar/rw/upper --xattrs --xattrs-include='*' --totals -cf "$scratch" . 2>&1); then
    echo "VA-PACKED $(echo "$out" | sed -n 's/^Total bytes written: \([0-9]*\).*/\1/p')"
  else
    echo "VA-ERROR packing the upper onto $scratch: $(echo $out)"
  fi
fi

sync
echo o >/proc/sysrq-trigger
# pid 1 must not exit (the kernel would panic) while the power-off runs
while :; do sleep 1; done
