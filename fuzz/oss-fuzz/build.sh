#!/bin/bash -eu
# OSS-Fuzz build script: builds every nsboot fuzz target with OSS-Fuzz's
# compiler, flags and fuzzing engine, and installs them with their seed
# corpora, dictionaries and options into $OUT.
#
# Locally (no OSS-Fuzz here) use --config=fuzz and fuzz/run.sh instead; see
# docs/FUZZING.md. This script has not been run: it needs network access.
cd "$SRC/nsboot"

# Dependencies from source, built with OSS-Fuzz's libc++ (Debian's system
# libraries are built against libstdc++ and cannot be linked).
cp fuzz/oss-fuzz/WORKSPACE.oss-fuzz WORKSPACE
export USE_BAZEL_VERSION=5.4.1

TARGETS="netlink_decode frame_decode reader_chunked plan differential"

flags=(
  -c opt
  --define=fuzz_engine=oss-fuzz
  --spawn_strategy=local
  --action_env=CC="$CC" --action_env=CXX="$CXX"
  # Third-party code is compiled with the same --copt; do not fail on its
  # warnings under OSS-Fuzz's compiler.
  --copt=-Wno-error
  --linkopt="$LIB_FUZZING_ENGINE"
)
for f in $CFLAGS; do flags+=("--conlyopt=$f"); done
for f in $CXXFLAGS; do flags+=("--cxxopt=$f" "--linkopt=$f"); done

bazel build "${flags[@]}" $(for t in $TARGETS; do echo "//fuzz:$t"; done)

for t in $TARGETS; do
  cp "bazel-bin/fuzz/$t" "$OUT/$t"
  cp "fuzz/dicts/$t.dict" "$OUT/$t.dict"
  zip -q -j "$OUT/${t}_seed_corpus.zip" fuzz/corpus/$t/* \
    $(ls fuzz/regressions/$t/* 2>/dev/null || true)
  printf '[libfuzzer]\nmax_len = 4096\ndict = %s.dict\n' "$t" > "$OUT/$t.options"
done
