"""hook_bundle: the pre-main hook as a self-contained static archive.

Bazel 4.2.3 has no cc_static_library. This rule builds what a foreign build
(a C program, runc's cgo, a C++ program) links instead:

  NAME.a           two members:
                     nsboot_hook.o         the hook and everything it calls,
                                           one relocatable object; its only
                                           global symbols are `exports`
                     nsboot_constructor.o  the constructor, pulled in by
                                           -Wl,--undefined=nsboot_constructor_anchor
  NAME.linkopts    the build's own --linkopt values, one per line (the
                   sanitizer runtimes under --config=asan; empty otherwise)

How: `deps` and `constructor` are compiled once more for the bundle with
-fno-exceptions -fno-rtti (a transition; the tests and the CLI keep their
own build). `ld -r --gc-sections` links what the roots (`exports`) reach,
together with //embed:private_runtime (operator new, std::string's members,
the containers' throw helpers), into nsboot_hook.o. Then every symbol but
`exports` is made local: the hook's copies of libstdc++'s templates and
runtime never meet a C++ host's. The action fails if the object still needs
anything from libstdc++, libgcc's unwinder or abseil: the archive needs libc
only, and a host that does not run the hook pays for none of it at start-up
(docs/BENCHMARKS.md, session 5).
"""

load("@bazel_tools//tools/cpp:toolchain_utils.bzl", "find_cpp_toolchain")

# What the bundle's code is compiled with on top of the build's flags.
# -fno-sanitize=vptr: UBSan's vptr check (in --config=asan) needs RTTI.
BUNDLE_COPTS = [
    "-fno-exceptions",
    "-fno-rtti",
    "-fno-sanitize=vptr",
    "-ffunction-sections",
    "-fdata-sections",
]

def _bundle_transition_impl(settings, _attr):
    return {"//command_line_option:copt": settings["//command_line_option:copt"] + BUNDLE_COPTS}

_bundle_transition = transition(
    implementation = _bundle_transition_impl,
    inputs = ["//command_line_option:copt"],
    outputs = ["//command_line_option:copt"],
)

def _archives(targets):
    out = []
    for t in targets:
        for linker_input in t[CcInfo].linking_context.linker_inputs.to_list():
            for lib in linker_input.libraries:
                a = lib.pic_static_library or lib.static_library
                if a and a not in out:
                    out.append(a)
    return out

def _own_archive(target):
    for linker_input in target[CcInfo].linking_context.linker_inputs.to_list():
        if linker_input.owner == target.label:
            for lib in linker_input.libraries:
                a = lib.pic_static_library or lib.static_library
                if a:
                    return a
    fail("%s has no static library of its own" % target.label)

def _hook_bundle_impl(ctx):
    cc_toolchain = find_cpp_toolchain(ctx)
    constructor = ctx.attr.constructor
    if type(constructor) == "list":
        constructor = constructor[0]
    ctor_archive = _own_archive(constructor)
    archives = [a for a in _archives(ctx.attr.deps) if a != ctor_archive]
    out = ctx.actions.declare_file(ctx.attr.name + ".a")
    exports = ctx.actions.declare_file(ctx.attr.name + ".exports")
    ctx.actions.write(exports, "\n".join(ctx.attr.exports) + "\n")
    roots = " ".join(["-u " + s for s in ctx.attr.exports])
    sanitized = any(["-fsanitize" in f for f in ctx.fragments.cpp.linkopts])
    tmp = out.path + ".tmp"
    ctx.actions.run_shell(
        inputs = archives + [ctor_archive, exports],
        outputs = [out],
        tools = cc_toolchain.all_files,
        mnemonic = "HookBundle",
        progress_message = "Bundling the hook into %s" % out.short_path,
        command = """set -eu
LD={ld}; OBJCOPY={objcopy}; NM={nm}; AR={ar}
T={tmp}; rm -rf "$T"; mkdir -p "$T"
$LD -r --gc-sections --force-group-allocation {roots} -o "$T/linked.o" \\
    --start-group {archives} --end-group
# GCC's STB_GNU_UNIQUE symbols (inline variables, statics of inline
# functions) cannot be made local as they are: weaken them first.
$NM "$T/linked.o" | awk '$2 == "u" {{print $3}}' > "$T/unique"
# (objcopy fails, silently, on an empty list: clang emits no such symbol.)
if [ -s "$T/unique" ]; then
  $OBJCOPY --weaken-symbols="$T/unique" "$T/linked.o" "$T/weak.o"
else
  cp "$T/linked.o" "$T/weak.o"
fi
$OBJCOPY --keep-global-symbols={exports} "$T/weak.o" "$T/nsboot_hook.o"
$LD -r --whole-archive {ctor} -o "$T/nsboot_constructor.o"
status=0
for o in nsboot_hook.o nsboot_constructor.o; do
  bad=$($NM -u "$T/$o" | awk '{{print $2}}' |
        grep -E '^(_Z|__cxa|__gxx|_Unwind|__dynamic_cast)' |
        grep -vE '{sanitizer_runtime}' || true)
  if [ -n "$bad" ]; then
    echo "hook_bundle: $o still needs the C++ runtime (add it to" \\
         "embed/private_runtime.cc or stop using it):" $bad >&2
    status=1
  fi
done
for s in $(cat {exports}); do
  $NM -g --defined-only "$T/nsboot_hook.o" | grep -q " $s$" ||
    {{ echo "hook_bundle: nsboot_hook.o does not define $s" >&2; status=1; }}
done
$NM -g --defined-only "$T/nsboot_constructor.o" |
  grep -q " nsboot_constructor_anchor$" ||
  {{ echo "hook_bundle: no nsboot_constructor_anchor" >&2; status=1; }}
[ $status = 0 ]
rm -f {out}
$AR rcsD {out} "$T/nsboot_hook.o" "$T/nsboot_constructor.o"
rm -rf "$T"
""".format(
            ld = cc_toolchain.ld_executable,
            objcopy = cc_toolchain.objcopy_executable,
            nm = cc_toolchain.nm_executable,
            ar = cc_toolchain.ar_executable,
            tmp = tmp,
            roots = roots,
            archives = " ".join([a.path for a in archives]),
            exports = exports.path,
            ctor = ctor_archive.path,
            out = out.path,
            # clang's -fsanitize=function (in its -fsanitize=undefined; gcc
            # has no such check and no flag to turn it off) refers to the
            # type_info vtables of libc++abi/libsupc++, which a sanitized
            # host links anyway.
            sanitizer_runtime = "^_ZTVN10__cxxabiv1" if sanitized else "^$",
        ),
    )

    # The build's global --linkopt values (e.g. -fsanitize=address,undefined
    # under --config=asan) belong to every consumer of the archive.
    flags = ctx.actions.declare_file(ctx.attr.name + ".linkopts")
    ctx.actions.write(flags, "".join([f + "\n" for f in ctx.fragments.cpp.linkopts]))
    return [DefaultInfo(
        files = depset([out, flags]),
        runfiles = ctx.runfiles(files = [out, flags]),
    )]

hook_bundle = rule(
    implementation = _hook_bundle_impl,
    attrs = {
        "deps": attr.label_list(
            providers = [CcInfo],
            cfg = _bundle_transition,
            doc = "The hook's libraries and //embed:private_runtime.",
        ),
        "constructor": attr.label(
            providers = [CcInfo],
            cfg = _bundle_transition,
            mandatory = True,
            doc = "The cc_library whose own object is the constructor member.",
        ),
        "exports": attr.string_list(
            mandatory = True,
            doc = "The C ABI (but the constructor's anchor): the only " +
                  "global symbols of nsboot_hook.o, and its link roots.",
        ),
        "_cc_toolchain": attr.label(
            default = "@bazel_tools//tools/cpp:current_cc_toolchain",
        ),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
    fragments = ["cpp"],
    toolchains = ["@bazel_tools//tools/cpp:toolchain_type"],
)
