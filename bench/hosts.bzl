"""Bench hosts: builds of the floor, and hosts with a knob of nsboot.h set."""

def floor_host(name, define = None):
    """bench/hosts/floor_host.c, with -D`define` when given."""
    native.genrule(
        name = name,
        testonly = True,
        srcs = [
            "hosts/floor_host.c",
            "hosts/floor_request.h",
        ],
        outs = [name + ".bin"],
        cmd = "$(CC) -O2 -Wall -Werror " +
              ("-D" + define + " " if define else "") +
              "-I. -o $@ $(location hosts/floor_host.c)",
        executable = True,
        toolchains = ["@bazel_tools//tools/cpp:current_cc_toolchain"],
    )

# Linked like //bench:nsboot_host_static (libnsboot.static.linkopts), with a
# second C file that defines a knob.
def static_host_with(name, knob):
    """The static bench host plus `knob`, a C file setting a knob."""
    native.genrule(
        name = name,
        testonly = True,
        srcs = [
            "hosts/empty_main.c",
            knob,
            "//embed:include/nsboot/nsboot.h",
            "//embed:libnsboot",
            "//embed:libnsboot_static_linkopts",
        ],
        outs = [name + ".bin"],
        cmd = "A=; for f in $(locations //embed:libnsboot); do " +
              "case $$f in *.a) A=$$f;; esac; done; " +
              "H=$$(dirname $$(dirname $(location //embed:include/nsboot/nsboot.h))); " +
              "$(CC) -O2 -I$$H -o $@ $(location hosts/empty_main.c) " +
              "$(location " + knob + ") " +
              "-Wl,--undefined=nsboot_constructor_anchor $$A " +
              "$$(cat $(location //embed:libnsboot_static_linkopts))",
        executable = True,
        toolchains = ["@bazel_tools//tools/cpp:current_cc_toolchain"],
    )
