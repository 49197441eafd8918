// nsboot::Status and nsboot::StatusOr<T>: the error type of the code that
// runs before main() (codec decoders, validation, the executor, the hook).
//
// Why not absl::Status there: absl/status/status.h includes <iostream>, and
// Debian's prebuilt absl_status, absl_statusor, absl_cord* and the
// charconv objects that absl::StrCat pulls in each carry a
// std::ios_base::Init static initializer. Linking any of them into a host
// makes every start of the host build libstdc++'s standard streams and
// locale: ~0.14 ms measured, the largest part of the hook's inert cost
// (docs/BENCHMARKS.md). This type, and common/str_cat.h, include no
// <iostream> and link nothing from abseil but header-only code.
//
// The API is the subset of absl::Status that nsboot uses, with the same
// names, so the two read alike. Codes have absl::StatusCode's values.
// Interop for code that lives with absl (CLI, tests, tools): both types
// convert implicitly to their absl counterparts (the conversion is defined
// in common/status_absl.cc, linked only where it is used), and
// nsboot::StatusCode compares equal to the absl::StatusCode of the same
// value. A decode error's byte offset (codec/decode_error.h) travels as
// byte_offset() here and as the "type.nsboot.dev/byte_offset" payload on the
// absl side.
#ifndef NSBOOT_COMMON_STATUS_H_
#define NSBOOT_COMMON_STATUS_H_

#include <cstdint>
#include <iosfwd>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/base/config.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace absl {
ABSL_NAMESPACE_BEGIN
class Status;
enum class StatusCode : int;
template <typename T>
class StatusOr;
ABSL_NAMESPACE_END
}  // namespace absl

namespace nsboot {

// absl::StatusCode's values (the canonical codes).
enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

inline bool operator==(StatusCode a, absl::StatusCode b) {
  return static_cast<int>(a) == static_cast<int>(b);
}
inline bool operator==(absl::StatusCode a, StatusCode b) { return b == a; }
inline bool operator!=(StatusCode a, absl::StatusCode b) { return !(a == b); }
inline bool operator!=(absl::StatusCode a, StatusCode b) { return !(b == a); }

// "INVALID_ARGUMENT", as absl::StatusCodeToString.
const char* StatusCodeName(StatusCode code);

class Status;
// Defined in common/status_absl.cc (//common:status_absl).
absl::Status ToAbslStatus(const Status& status);

// ToAbslStatus for the implicit conversions below, as a template so that
// the call is checked where it is used (and absl::Status is complete), not
// here. Only the absl::Status specialization exists (status_absl.cc).
template <typename S>
S ConvertStatus(const Status& status);
template <>
absl::Status ConvertStatus<absl::Status>(const Status& status);

class Status {
 public:
  // OK.
  Status() = default;
  // An OK code gives an OK status and drops the message, as absl does.
  Status(StatusCode code, absl::string_view message)
      : code_(code),
        message_(code == StatusCode::kOk ? std::string()
                                         : std::string(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  absl::string_view message() const { return message_; }

  // Where in the input a decode error is (codec/decode_error.h).
  absl::optional<uint64_t> byte_offset() const { return byte_offset_; }
  void set_byte_offset(uint64_t offset) { byte_offset_ = offset; }

  // "INVALID_ARGUMENT: message", or "OK".
  std::string ToString() const;

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

  // Implicit, for code that works with absl::Status (CLI, tests).
  template <typename S,
            std::enable_if_t<std::is_same<S, absl::Status>::value, int> = 0>
  operator S() const {  // NOLINT(google-explicit-constructor)
    return ConvertStatus<S>(*this);
  }

  bool operator==(const Status& o) const {
    return code_ == o.code_ && message_ == o.message_ &&
           byte_offset_ == o.byte_offset_;
  }
  bool operator!=(const Status& o) const { return !(*this == o); }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  absl::optional<uint64_t> byte_offset_;
};

// For logs and gtest messages: ToString(). In its own object
// (status_ostream.cc): std::ostream brings libstdc++'s locale machinery,
// which a host that only runs the hook should not link.
std::ostream& operator<<(std::ostream& os, const Status& status);

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(absl::string_view m) {
  return Status(StatusCode::kInvalidArgument, m);
}
inline Status InternalError(absl::string_view m) {
  return Status(StatusCode::kInternal, m);
}
inline Status FailedPreconditionError(absl::string_view m) {
  return Status(StatusCode::kFailedPrecondition, m);
}
inline Status PermissionDeniedError(absl::string_view m) {
  return Status(StatusCode::kPermissionDenied, m);
}
inline Status DataLossError(absl::string_view m) {
  return Status(StatusCode::kDataLoss, m);
}

// The code absl::ErrnoToStatusCode gives `error_number`.
StatusCode ErrnoToStatusCode(int error_number);
// "message: strerror(error_number)" with that code.
Status ErrnoToStatus(int error_number, absl::string_view message);

// The status type of an absl::StatusOr type (absl::Status).
template <typename S>
using AbslStatusOf = std::decay_t<decltype(std::declval<const S&>().status())>;

// A T or the Status saying why not. Accessing the value of a non-OK
// StatusOr is a bug; it aborts (no exceptions on this path).
template <typename T>
class StatusOr {
 public:
  using value_type = T;

  // Not OK: `status` must not be OK (an OK status becomes kInternal).
  StatusOr(const Status& status)  // NOLINT(google-explicit-constructor)
      : status_(status.ok() ? Status(StatusCode::kInternal,
                                     "OK status given to StatusOr")
                            : status) {}
  StatusOr(Status&& status)  // NOLINT(google-explicit-constructor)
      : status_(status.ok() ? Status(StatusCode::kInternal,
                                     "OK status given to StatusOr")
                            : std::move(status)) {}
  StatusOr(const T& value)  // NOLINT(google-explicit-constructor)
      : has_value_(true) {
    new (&storage_) T(value);
  }
  StatusOr(T&& value)  // NOLINT(google-explicit-constructor)
      : has_value_(true) {
    new (&storage_) T(std::move(value));
  }
  // From anything T is constructible from (e.g. a derived value).
  template <
      typename U,
      std::enable_if_t<!std::is_same<std::decay_t<U>, T>::value &&
                           !std::is_same<std::decay_t<U>, Status>::value &&
                           !std::is_same<std::decay_t<U>, StatusOr<T>>::value &&
                           std::is_constructible<T, U&&>::value,
                       int> = 0>
  StatusOr(U&& value)  // NOLINT(google-explicit-constructor)
      : has_value_(true) {
    new (&storage_) T(std::forward<U>(value));
  }

  StatusOr(const StatusOr& o) : status_(o.status_), has_value_(o.has_value_) {
    if (has_value_) new (&storage_) T(*o);
  }
  StatusOr(StatusOr&& o) noexcept(std::is_nothrow_move_constructible<T>::value)
      : status_(std::move(o.status_)), has_value_(o.has_value_) {
    if (has_value_) new (&storage_) T(std::move(*o));
  }
  StatusOr& operator=(const StatusOr& o) {
    if (this != &o) {
      Reset();
      status_ = o.status_;
      if (o.has_value_) {
        new (&storage_) T(*o);
        has_value_ = true;
      }
    }
    return *this;
  }
  StatusOr& operator=(StatusOr&& o) {
    if (this != &o) {
      Reset();
      status_ = std::move(o.status_);
      if (o.has_value_) {
        new (&storage_) T(std::move(*o));
        has_value_ = true;
      }
    }
    return *this;
  }
  ~StatusOr() { Reset(); }

  bool ok() const { return has_value_; }
  const Status& status() const& { return status_; }
  Status status() && { return std::move(status_); }

  const T& value() const& { return *Checked(); }
  T& value() & { return *Checked(); }
  T&& value() && { return std::move(*Checked()); }
  const T& operator*() const& { return *Checked(); }
  T& operator*() & { return *Checked(); }
  T&& operator*() && { return std::move(*Checked()); }
  const T* operator->() const { return Checked(); }
  T* operator->() { return Checked(); }

  // Implicit, for code that works with absl::StatusOr (CLI, tests).
  template <typename S,
            std::enable_if_t<std::is_same<S, absl::StatusOr<T>>::value,
                             int> = 0>
  operator S() const& {  // NOLINT(google-explicit-constructor)
    if (has_value_) return S(**this);
    return S(ConvertStatus<AbslStatusOf<S>>(status_));
  }
  template <typename S,
            std::enable_if_t<std::is_same<S, absl::StatusOr<T>>::value,
                             int> = 0>
  operator S() && {  // NOLINT(google-explicit-constructor)
    if (has_value_) return S(std::move(**this));
    return S(ConvertStatus<AbslStatusOf<S>>(status_));
  }

 private:
  T* Checked() {
    if (!has_value_) AbortNoValue();
    return std::launder(reinterpret_cast<T*>(&storage_));
  }
  const T* Checked() const {
    if (!has_value_) AbortNoValue();
    return std::launder(reinterpret_cast<const T*>(&storage_));
  }
  [[noreturn]] void AbortNoValue() const;
  void Reset() {
    if (has_value_) {
      Checked()->~T();
      has_value_ = false;
    }
  }

  Status status_;
  bool has_value_ = false;
  alignas(T) unsigned char storage_[sizeof(T)];
};

namespace status_internal {
[[noreturn]] void AbortNoValue(const Status& status);
}  // namespace status_internal

template <typename T>
void StatusOr<T>::AbortNoValue() const {
  status_internal::AbortNoValue(status_);
}

}  // namespace nsboot

#endif  // NSBOOT_COMMON_STATUS_H_
