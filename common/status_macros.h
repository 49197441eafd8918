// Status propagation macros. Debian's abseil 20220623 ships none, so nsboot
// keeps its own, prefixed to stay out of the way of any other definition.
//
//   NSBOOT_RETURN_IF_ERROR(expr);          // expr is a Status
//   NSBOOT_ASSIGN_OR_RETURN(lhs, expr);    // expr is a StatusOr<T>
//
// For nsboot::Status (common/status.h) and absl::Status alike; the error is
// returned as it is and converts to the function's return type if that is
// the other one.
//
// Both evaluate `expr` exactly once. NSBOOT_ASSIGN_OR_RETURN moves the value
// into `lhs`, which may be a declaration (`auto x`) or an existing lvalue.
#ifndef NSBOOT_COMMON_STATUS_MACROS_H_
#define NSBOOT_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/base/optimization.h"

#define NSBOOT_RETURN_IF_ERROR(expr)                \
  do {                                              \
    auto nsboot_status_ = (expr);                   \
    if (ABSL_PREDICT_FALSE(!nsboot_status_.ok())) { \
      return nsboot_status_;                        \
    }                                               \
  } while (false)

#define NSBOOT_STATUS_CONCAT_INNER_(a, b) a##b
#define NSBOOT_STATUS_CONCAT_(a, b) NSBOOT_STATUS_CONCAT_INNER_(a, b)

#define NSBOOT_ASSIGN_OR_RETURN(lhs, expr)                                 \
  NSBOOT_ASSIGN_OR_RETURN_IMPL_(                                           \
      NSBOOT_STATUS_CONCAT_(nsboot_statusor_, __LINE__), lhs, expr)

#define NSBOOT_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                  \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {                \
    return std::move(statusor).status();                   \
  }                                                        \
  lhs = std::move(statusor).value()

#endif  // NSBOOT_COMMON_STATUS_MACROS_H_
