#include "proto/nsboot/v1/plain.h"

#include <cstddef>

namespace nsboot {
namespace v1 {
namespace plain {
namespace {

const char* Lookup(const char* const* names, size_t count, int value) {
  if (value < 0 || static_cast<size_t>(value) >= count) return nullptr;
  return names[value];
}

}  // namespace

const char* EnumName(Namespace value) {
  static constexpr const char* kNames[] = {
      "NAMESPACE_UNSPECIFIED", "NAMESPACE_MOUNT",  "NAMESPACE_UTS",
      "NAMESPACE_IPC",         "NAMESPACE_USER",   "NAMESPACE_PID",
      "NAMESPACE_NET",         "NAMESPACE_CGROUP", "NAMESPACE_TIME"};
  return Lookup(kNames, sizeof(kNames) / sizeof(kNames[0]), value);
}

const char* EnumName(SetgroupsPolicy value) {
  static constexpr const char* kNames[] = {"SETGROUPS_UNSPECIFIED",
                                           "SETGROUPS_ALLOW", "SETGROUPS_DENY"};
  return Lookup(kNames, sizeof(kNames) / sizeof(kNames[0]), value);
}

const char* EnumName(TimeClock value) {
  static constexpr const char* kNames[] = {
      "TIME_CLOCK_UNSPECIFIED", "TIME_CLOCK_MONOTONIC", "TIME_CLOCK_BOOTTIME"};
  return Lookup(kNames, sizeof(kNames) / sizeof(kNames[0]), value);
}

const char* EnumName(LogLevel value) {
  static constexpr const char* kNames[] = {
      "LOG_LEVEL_UNSPECIFIED", "LOG_LEVEL_PANIC",   "LOG_LEVEL_FATAL",
      "LOG_LEVEL_ERROR",       "LOG_LEVEL_WARNING", "LOG_LEVEL_INFO",
      "LOG_LEVEL_DEBUG",       "LOG_LEVEL_TRACE"};
  return Lookup(kNames, sizeof(kNames) / sizeof(kNames[0]), value);
}

const char* EnumName(Stage value) {
  static constexpr const char* kNames[] = {"STAGE_UNSPECIFIED", "STAGE_READER",
                                           "STAGE_PARENT", "STAGE_CHILD",
                                           "STAGE_INIT"};
  return Lookup(kNames, sizeof(kNames) / sizeof(kNames[0]), value);
}

const char* EnumName(Step value) {
  static constexpr const char* kNames[] = {
      "STEP_UNSPECIFIED",   "STEP_READ_REQUEST", "STEP_DECODE",
      "STEP_VALIDATE",      "STEP_PLAN",         "STEP_SEAL_EXE",
      "STEP_OOM_SCORE_ADJ", "STEP_SET_DUMPABLE", "STEP_OPEN_NAMESPACE",
      "STEP_SETNS",         "STEP_UNSHARE",      "STEP_CLONE",
      "STEP_SETGROUPS",     "STEP_UID_MAP",      "STEP_GID_MAP",
      "STEP_TIME_OFFSETS",  "STEP_SET_IDS",      "STEP_MOUNT_SOURCES",
      "STEP_SYNC",          "STEP_REPLY",        "STEP_EXEC"};
  return Lookup(kNames, sizeof(kNames) / sizeof(kNames[0]), value);
}

}  // namespace plain
}  // namespace v1
}  // namespace nsboot
