"""static_archive: one .a with the code of a cc_library and all its deps.

Bazel 4.2.3 has no cc_static_library. This rule walks the transitive
linker inputs of `deps`, merges every static library Bazel built for them
into one archive with `ar -M`, and writes the system link flags they need
(protobuf, abseil, ..., and the build's own --linkopt values, such as the
sanitizer runtimes under --config=asan) to NAME.linkopts, one per line, so a
foreign build can link with:  libnsboot.a $(cat libnsboot.linkopts) -lstdc++
"""

def _static_archive_impl(ctx):
    archives = []
    # Only the shared libraries the host ends up using are loaded at start-up
    # (the archive lists protobuf's, which the hook never calls). Debian's
    # gcc passes --as-needed by default, but not with -fsanitize, nor do
    # other toolchains.
    linkopts = ["-Wl,--as-needed"]
    for dep in ctx.attr.deps:
        for linker_input in dep[CcInfo].linking_context.linker_inputs.to_list():
            for lib in linker_input.libraries:
                a = lib.pic_static_library or lib.static_library
                if a and a not in archives:
                    archives.append(a)
            for flag in linker_input.user_link_flags:
                if flag not in linkopts:
                    linkopts.append(flag)
    out = ctx.actions.declare_file(ctx.attr.name + ".a")
    mri = ctx.actions.declare_file(ctx.attr.name + ".mri")
    ctx.actions.write(
        mri,
        "CREATE %s\n" % out.path +
        "".join(["ADDLIB %s\n" % a.path for a in archives]) +
        "SAVE\nEND\n",
    )
    ctx.actions.run_shell(
        inputs = archives + [mri],
        outputs = [out],
        command = "ar -M < %s" % mri.path,
        mnemonic = "StaticArchive",
    )
    # The build's global --linkopt values (e.g. -fsanitize=address,undefined
    # under --config=asan) belong to every consumer of the archive too.
    for flag in ctx.fragments.cpp.linkopts:
        if flag not in linkopts:
            linkopts.append(flag)
    flags = ctx.actions.declare_file(ctx.attr.name + ".linkopts")
    ctx.actions.write(flags, "\n".join(linkopts) + "\n")
    return [DefaultInfo(
        files = depset([out, flags]),
        runfiles = ctx.runfiles(files = [out, flags]),
    )]

static_archive = rule(
    implementation = _static_archive_impl,
    attrs = {"deps": attr.label_list(providers = [CcInfo])},
    fragments = ["cpp"],
)
