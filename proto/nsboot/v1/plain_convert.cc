#include "proto/nsboot/v1/plain_convert.h"

#include <string>
#include <vector>

namespace nsboot {
namespace v1 {

namespace {

void AddMappings(const std::vector<plain::IdMapping>& mappings,
                 google::protobuf::RepeatedPtrField<IdMapping>* out) {
  for (const plain::IdMapping& m : mappings) {
    IdMapping* mapping = out->Add();
    mapping->set_container_id(m.container_id);
    mapping->set_host_id(m.host_id);
    mapping->set_size(m.size);
  }
}

}  // namespace

plain::BootstrapRequest ToPlain(const BootstrapRequest& request) {
  plain::BootstrapRequest out;
  out.schema_version = request.schema_version();
  for (int ns : request.create_namespaces()) {
    out.create_namespaces.push_back(static_cast<Namespace>(ns));
  }
  for (const NamespaceJoin& join : request.join_namespaces()) {
    plain::NamespaceJoin& j = out.join_namespaces.emplace_back();
    j.type = join.type();
    switch (join.target_case()) {
      case NamespaceJoin::kPath:
        j.target = plain::NamespaceJoin::Target::kPath;
        j.path = join.path();
        break;
      case NamespaceJoin::kPid:
        j.target = plain::NamespaceJoin::Target::kPid;
        j.pid = join.pid();
        break;
      case NamespaceJoin::kPidfd:
        j.target = plain::NamespaceJoin::Target::kPidfd;
        j.pidfd = join.pidfd();
        break;
      case NamespaceJoin::TARGET_NOT_SET:
        break;
    }
  }
  for (const IdMapping& m : request.uid_mappings()) {
    out.uid_mappings.push_back({m.container_id(), m.host_id(), m.size()});
  }
  for (const IdMapping& m : request.gid_mappings()) {
    out.gid_mappings.push_back({m.container_id(), m.host_id(), m.size()});
  }
  out.setgroups = request.setgroups();
  if (request.has_oom_score_adj()) out.oom_score_adj = request.oom_score_adj();
  if (request.has_rootless_euid()) out.rootless_euid = request.rootless_euid();
  out.uidmap_helper = request.uidmap_helper();
  out.gidmap_helper = request.gidmap_helper();
  for (const TimeOffset& t : request.time_offsets()) {
    out.time_offsets.push_back({t.clock(), t.seconds(), t.nanoseconds()});
  }
  for (const std::string& s : request.mount_sources()) {
    out.mount_sources.push_back(s);
  }
  if (request.has_options()) {
    const Options& o = request.options();
    out.options =
        plain::Options{o.seal_exe(), o.parent_death_signal(), o.log_level(),
                       o.reply_pidfds(), o.skip_namespace_ids()};
  }
  if (request.has_netlink_layout()) {
    const NetlinkLayout& l = request.netlink_layout();
    plain::NetlinkLayout& layout = out.netlink_layout.emplace();
    layout.attribute_order.assign(l.attribute_order().begin(),
                                  l.attribute_order().end());
    if (l.has_flags()) layout.flags = l.flags();
    if (l.has_sequence()) layout.sequence = l.sequence();
    if (l.has_port()) layout.port = l.port();
  }
  return out;
}

BootstrapRequest ToProto(const plain::BootstrapRequest& request) {
  BootstrapRequest out;
  out.set_schema_version(request.schema_version);
  for (Namespace ns : request.create_namespaces) out.add_create_namespaces(ns);
  for (const plain::NamespaceJoin& j : request.join_namespaces) {
    NamespaceJoin* join = out.add_join_namespaces();
    join->set_type(j.type);
    switch (j.target) {
      case plain::NamespaceJoin::Target::kPath:
        join->set_path(j.path);
        break;
      case plain::NamespaceJoin::Target::kPid:
        join->set_pid(j.pid);
        break;
      case plain::NamespaceJoin::Target::kPidfd:
        join->set_pidfd(j.pidfd);
        break;
      case plain::NamespaceJoin::Target::kNone:
        break;
    }
  }
  AddMappings(request.uid_mappings, out.mutable_uid_mappings());
  AddMappings(request.gid_mappings, out.mutable_gid_mappings());
  out.set_setgroups(request.setgroups);
  if (request.oom_score_adj) out.set_oom_score_adj(*request.oom_score_adj);
  if (request.rootless_euid) out.set_rootless_euid(*request.rootless_euid);
  out.set_uidmap_helper(request.uidmap_helper);
  out.set_gidmap_helper(request.gidmap_helper);
  for (const plain::TimeOffset& t : request.time_offsets) {
    TimeOffset* offset = out.add_time_offsets();
    offset->set_clock(t.clock);
    offset->set_seconds(t.seconds);
    offset->set_nanoseconds(t.nanoseconds);
  }
  for (const std::string& s : request.mount_sources) out.add_mount_sources(s);
  if (request.options) {
    Options* o = out.mutable_options();
    o->set_seal_exe(request.options->seal_exe);
    o->set_parent_death_signal(request.options->parent_death_signal);
    o->set_log_level(request.options->log_level);
    o->set_reply_pidfds(request.options->reply_pidfds);
    o->set_skip_namespace_ids(request.options->skip_namespace_ids);
  }
  if (request.netlink_layout) {
    NetlinkLayout* l = out.mutable_netlink_layout();
    for (uint32_t type : request.netlink_layout->attribute_order) {
      l->add_attribute_order(type);
    }
    if (request.netlink_layout->flags)
      l->set_flags(*request.netlink_layout->flags);
    if (request.netlink_layout->sequence) {
      l->set_sequence(*request.netlink_layout->sequence);
    }
    if (request.netlink_layout->port)
      l->set_port(*request.netlink_layout->port);
  }
  return out;
}

plain::BootstrapReply ToPlain(const BootstrapReply& reply) {
  plain::BootstrapReply out;
  switch (reply.reply_case()) {
    case BootstrapReply::kReady:
      out.kind = plain::BootstrapReply::Kind::kReady;
      out.ready.schema_versions.assign(reply.ready().schema_versions().begin(),
                                       reply.ready().schema_versions().end());
      break;
    case BootstrapReply::kPids: {
      out.kind = plain::BootstrapReply::Kind::kPids;
      const Pids& p = reply.pids();
      out.pids.stage1_pid = p.stage1_pid();
      out.pids.stage2_pid = p.stage2_pid();
      for (const NamespaceId& id : p.namespaces()) {
        out.pids.namespaces.push_back({id.type(), id.inode(), id.device()});
      }
      out.pids.pidfds_attached = p.pidfds_attached();
      break;
    }
    case BootstrapReply::kLog: {
      out.kind = plain::BootstrapReply::Kind::kLog;
      const LogRecord& l = reply.log();
      out.log = {l.level(), l.stage(), l.pid(), l.message()};
      break;
    }
    case BootstrapReply::kError: {
      out.kind = plain::BootstrapReply::Kind::kError;
      const Error& e = reply.error();
      out.error.stage = e.stage();
      out.error.step = e.step();
      out.error.errno_value = e.errno_value();
      out.error.code = e.code();
      out.error.message = e.message();
      if (e.has_byte_offset()) out.error.byte_offset = e.byte_offset();
      out.error.stage1_pid = e.stage1_pid();
      out.error.stage2_pid = e.stage2_pid();
      break;
    }
    case BootstrapReply::REPLY_NOT_SET:
      break;
  }
  return out;
}

BootstrapReply ToProto(const plain::BootstrapReply& reply) {
  BootstrapReply out;
  switch (reply.kind) {
    case plain::BootstrapReply::Kind::kReady: {
      Ready* r = out.mutable_ready();
      for (uint32_t v : reply.ready.schema_versions) r->add_schema_versions(v);
      break;
    }
    case plain::BootstrapReply::Kind::kPids: {
      Pids* p = out.mutable_pids();
      p->set_stage1_pid(reply.pids.stage1_pid);
      p->set_stage2_pid(reply.pids.stage2_pid);
      for (const plain::NamespaceId& id : reply.pids.namespaces) {
        NamespaceId* n = p->add_namespaces();
        n->set_type(id.type);
        n->set_inode(id.inode);
        n->set_device(id.device);
      }
      p->set_pidfds_attached(reply.pids.pidfds_attached);
      break;
    }
    case plain::BootstrapReply::Kind::kLog: {
      LogRecord* l = out.mutable_log();
      l->set_level(reply.log.level);
      l->set_stage(reply.log.stage);
      l->set_pid(reply.log.pid);
      l->set_message(reply.log.message);
      break;
    }
    case plain::BootstrapReply::Kind::kError: {
      Error* e = out.mutable_error();
      e->set_stage(reply.error.stage);
      e->set_step(reply.error.step);
      e->set_errno_value(reply.error.errno_value);
      e->set_code(reply.error.code);
      e->set_message(reply.error.message);
      if (reply.error.byte_offset) e->set_byte_offset(*reply.error.byte_offset);
      e->set_stage1_pid(reply.error.stage1_pid);
      e->set_stage2_pid(reply.error.stage2_pid);
      break;
    }
    case plain::BootstrapReply::Kind::kNone:
      break;
  }
  return out;
}

}  // namespace v1
}  // namespace nsboot
