"""The .proto files of proto_library targets, as plain files.

//proto/nsboot/v1 exports its proto_library, not the .proto file itself;
the Go and Python generators here (protoc-gen-go, --python_out) need the
file.
"""

def _proto_sources_impl(ctx):
    return [DefaultInfo(files = depset(
        transitive = [d[ProtoInfo].transitive_sources for d in ctx.attr.deps],
    ))]

proto_sources = rule(
    implementation = _proto_sources_impl,
    attrs = {"deps": attr.label_list(providers = [ProtoInfo])},
)
