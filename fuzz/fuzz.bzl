"""nsboot_fuzz_target: one fuzz target, two builds.

rules_fuzzing cannot be downloaded here, so this is nsboot's own small macro:

* under `--config=fuzz` (clang, libFuzzer, ASan+UBSan on every dependency),
  `NAME` is a libFuzzer binary: `bazel build --config=fuzz //fuzz:NAME`;
* under the default gcc build, `NAME` links a replay main instead, and
  `NAME_replay_test` runs it over the target's seed corpus and every past
  crash input (fuzz/corpus/NAME, fuzz/regressions/NAME), so `bazel test //...`
  keeps every finding fixed;
* under `--define=fuzz_engine=oss-fuzz` (fuzz/oss-fuzz/build.sh), `NAME` is
  linked with whatever engine OSS-Fuzz passes in `--linkopt`.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

def nsboot_fuzz_target(name, srcs, deps = [], **kwargs):
    corpus = native.glob(["corpus/%s/**" % name, "regressions/%s/**" % name])
    dicts = native.glob(["dicts/%s.dict" % name])
    cc_binary(
        name = name,
        testonly = True,
        srcs = srcs,
        linkopts = select({
            "//fuzz:libfuzzer": ["-fsanitize=fuzzer"],
            # OSS-Fuzz passes its engine as --linkopt=$LIB_FUZZING_ENGINE.
            "//fuzz:oss_fuzz": [],
            # Debian's afl++ driver. (afl-clang-fast would turn
            # -fsanitize=fuzzer into it, but Bazel hides link flags in a
            # params file it does not read, so libFuzzer got linked too.)
            "//fuzz:afl": ["/usr/lib/afl/libAFLDriver.a"],
            "//conditions:default": [],
        }),
        deps = deps + ["//fuzz:check"] + select({
            "//fuzz:libfuzzer": [],
            "//fuzz:oss_fuzz": [],
            "//fuzz:afl": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
        data = corpus + dicts,
        **kwargs
    )
    cc_test(
        name = name + "_replay_test",
        size = "small",
        srcs = srcs,
        args = [
            "fuzz/corpus/" + name,
            "fuzz/regressions/" + name,
        ],
        data = corpus,
        deps = deps + ["//fuzz:check", "//fuzz:replay_main"],
        **kwargs
    )
