// gMock matchers for absl::Status and absl::StatusOr<T> (Debian's abseil has
// none). Test-only.
//
//   EXPECT_THAT(DoIt(), nsboot::testing::IsOk());
//   EXPECT_THAT(Parse(b), nsboot::testing::StatusIs(
//       absl::StatusCode::kInvalidArgument, HasSubstr("offset 16")));
//   EXPECT_THAT(Parse(b), nsboot::testing::IsOkAndHolds(Eq(3)));
//   NSBOOT_ASSERT_OK_AND_ASSIGN(auto value, Parse(b));
#ifndef NSBOOT_COMMON_STATUS_MATCHERS_H_
#define NSBOOT_COMMON_STATUS_MATCHERS_H_

#include <ostream>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/status.h"
#include "common/status_absl.h"
#include "common/status_macros.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsboot {

namespace testing {
namespace internal {

inline const absl::Status& GetStatus(const absl::Status& status) {
  return status;
}

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// nsboot::Status and StatusOr are matched through their absl conversion.
inline absl::Status GetStatus(const Status& status) {
  return ToAbslStatus(status);
}

template <typename T>
absl::Status GetStatus(const StatusOr<T>& status_or) {
  return ToAbslStatus(status_or.status());
}

// Matches a Status or StatusOr<T> whose code and message match.
template <typename CodeMatcher, typename MessageMatcher>
class StatusIsMatcher {
 public:
  StatusIsMatcher(CodeMatcher code, MessageMatcher message)
      : code_(std::move(code)), message_(std::move(message)) {}

  template <typename StatusType>
  operator ::testing::Matcher<StatusType>() const {  // NOLINT
    return ::testing::Matcher<StatusType>(
        new Impl<const StatusType&>(code_, message_));
  }

 private:
  template <typename StatusType>
  class Impl : public ::testing::MatcherInterface<StatusType> {
   public:
    Impl(const CodeMatcher& code, const MessageMatcher& message)
        : code_(::testing::SafeMatcherCast<absl::StatusCode>(code)),
          message_(::testing::SafeMatcherCast<const std::string&>(message)) {}

    void DescribeTo(std::ostream* os) const override {
      *os << "has a status code that ";
      code_.DescribeTo(os);
      *os << " and a message that ";
      message_.DescribeTo(os);
    }

    void DescribeNegationTo(std::ostream* os) const override {
      *os << "has a status code that ";
      code_.DescribeNegationTo(os);
      *os << " or a message that ";
      message_.DescribeNegationTo(os);
    }

    bool MatchAndExplain(
        StatusType value,
        ::testing::MatchResultListener* listener) const override {
      const absl::Status& status = GetStatus(value);
      *listener << "whose status is " << status;
      return code_.Matches(status.code()) &&
             message_.Matches(std::string(status.message()));
    }

   private:
    ::testing::Matcher<absl::StatusCode> code_;
    ::testing::Matcher<const std::string&> message_;
  };

  CodeMatcher code_;
  MessageMatcher message_;
};

// Matches an OK StatusOr<T> whose value matches the inner matcher.
template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}

  template <typename StatusOrType>
  operator ::testing::Matcher<StatusOrType>() const {  // NOLINT
    using Value = typename std::decay_t<StatusOrType>::value_type;
    return ::testing::Matcher<StatusOrType>(
        new Impl<const StatusOrType&, Value>(inner_));
  }

 private:
  template <typename StatusOrType, typename Value>
  class Impl : public ::testing::MatcherInterface<StatusOrType> {
   public:
    explicit Impl(const InnerMatcher& inner)
        : inner_(::testing::SafeMatcherCast<const Value&>(inner)) {}

    void DescribeTo(std::ostream* os) const override {
      *os << "is OK and has a value that ";
      inner_.DescribeTo(os);
    }

    void DescribeNegationTo(std::ostream* os) const override {
      *os << "is not OK or has a value that ";
      inner_.DescribeNegationTo(os);
    }

    bool MatchAndExplain(
        StatusOrType value,
        ::testing::MatchResultListener* listener) const override {
      if (!value.ok()) {
        *listener << "whose status is " << value.status();
        return false;
      }
      return inner_.MatchAndExplain(*value, listener);
    }

   private:
    ::testing::Matcher<const Value&> inner_;
  };

  InnerMatcher inner_;
};

}  // namespace internal

// Matches an OK absl::Status or absl::StatusOr<T>.
MATCHER(IsOk, negation ? "is not OK" : "is OK") {
  const absl::Status& status = internal::GetStatus(arg);
  if (!status.ok()) *result_listener << "whose status is " << status;
  return status.ok();
}

template <typename CodeMatcher, typename MessageMatcher>
internal::StatusIsMatcher<CodeMatcher, MessageMatcher> StatusIs(
    CodeMatcher code, MessageMatcher message) {
  return {std::move(code), std::move(message)};
}

template <typename CodeMatcher>
internal::StatusIsMatcher<CodeMatcher, decltype(::testing::_)> StatusIs(
    CodeMatcher code) {
  return {std::move(code), ::testing::_};
}

template <typename InnerMatcher>
internal::IsOkAndHoldsMatcher<InnerMatcher> IsOkAndHolds(InnerMatcher inner) {
  return internal::IsOkAndHoldsMatcher<InnerMatcher>(std::move(inner));
}

}  // namespace testing
}  // namespace nsboot

#define NSBOOT_EXPECT_OK(expr) EXPECT_THAT((expr), ::nsboot::testing::IsOk())
#define NSBOOT_ASSERT_OK(expr) ASSERT_THAT((expr), ::nsboot::testing::IsOk())

// Asserts that `expr` (a StatusOr) is OK and moves its value into `lhs`.
#define NSBOOT_ASSERT_OK_AND_ASSIGN(lhs, expr)                              \
  NSBOOT_ASSERT_OK_AND_ASSIGN_IMPL_(                                        \
      NSBOOT_STATUS_CONCAT_(nsboot_statusor_, __LINE__), lhs, expr)

#define NSBOOT_ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                                      \
  ASSERT_THAT(statusor.status(), ::nsboot::testing::IsOk());   \
  lhs = std::move(statusor).value()

#endif  // NSBOOT_COMMON_STATUS_MATCHERS_H_
