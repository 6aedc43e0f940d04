#!/usr/bin/env bash
# libkpu.so must export the C ABI and nothing else (no C++, Abseil or Protobuf symbols).
set -euo pipefail
lib="$1"
symbols=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
count=$(printf '%s\n' "$symbols" | grep -c . || true)
bad=$(printf '%s\n' "$symbols" | grep -v '^kpu_' || true)
if [ -n "$bad" ]; then
  echo "libkpu.so exports symbols outside kpu_*:"
  echo "$bad" | head -20
  exit 1
fi
for required in kpu_compile kpu_load kpu_execute kpu_version kpu_last_error kpu_program_save kpu_program_load_file; do
  printf '%s\n' "$symbols" | grep -qx "$required" || { echo "missing export $required"; exit 1; }
done
echo "libkpu.so exports $count symbols, all kpu_*"
