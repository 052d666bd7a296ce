#!/bin/sh
# spec/total.sh SUMMARY — adds up the per-version lines and prints the one line CI reads.
summary=$1
if [ ! -s "$summary" ]; then echo "0 passed, 1 failed"; exit 1; fi
# what failed, and why (spec/support/summary_output.lua): the first lines of each
if [ -s "$summary.failures" ]; then
  echo "== what failed"
  awk '/^-- / { n = 0 } n++ < 12' "$summary.failures" | head -n 150
fi
awk '{ printf "  %-12s %4d passed, %d failed, %d pending\n", $1, $2, $3, $4; p += $2; f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$summary"
