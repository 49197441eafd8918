#include "proto/nsboot/v1/fill_message.h"

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"

namespace nsboot {
namespace v1 {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Reflection;

void FillMessage(google::protobuf::Message* message, int oneof_pick,
                 bool open_enum, int* counter) {
  const Reflection* r = message->GetReflection();
  const auto* d = message->GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    if (const auto* oneof = f->real_containing_oneof()) {
      if (oneof->field(oneof_pick % oneof->field_count()) != f) continue;
    }
    const int copies = f->is_repeated() ? 2 : 1;
    for (int c = 0; c < copies; ++c) {
      const int n = ++*counter;
      switch (f->cpp_type()) {
        case FieldDescriptor::CPPTYPE_INT32:
          f->is_repeated() ? r->AddInt32(message, f, -n)
                           : r->SetInt32(message, f, -n);
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          f->is_repeated() ? r->AddInt64(message, f, -n * 1000000007LL)
                           : r->SetInt64(message, f, -n * 1000000007LL);
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
          f->is_repeated() ? r->AddUInt32(message, f, 0xF0000000u + n)
                           : r->SetUInt32(message, f, 0xF0000000u + n);
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          f->is_repeated() ? r->AddUInt64(message, f, (1ULL << 40) + n)
                           : r->SetUInt64(message, f, (1ULL << 40) + n);
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          f->is_repeated() ? r->AddBool(message, f, true)
                           : r->SetBool(message, f, true);
          break;
        case FieldDescriptor::CPPTYPE_ENUM: {
          const auto* e = f->enum_type();
          int value =
              open_enum ? 1000 + n : e->value(e->value_count() - 1)->number();
          f->is_repeated() ? r->AddEnumValue(message, f, value)
                           : r->SetEnumValue(message, f, value);
          break;
        }
        case FieldDescriptor::CPPTYPE_STRING: {
          std::string s = "s" + std::to_string(n) + std::string("\0\xff", 2);
          f->is_repeated() ? r->AddString(message, f, s)
                           : r->SetString(message, f, s);
          break;
        }
        case FieldDescriptor::CPPTYPE_MESSAGE:
          FillMessage(f->is_repeated() ? r->AddMessage(message, f)
                                       : r->MutableMessage(message, f),
                      oneof_pick, open_enum, counter);
          break;
        default:
          ADD_FAILURE() << "field type not handled: " << f->full_name();
      }
    }
  }
}

}  // namespace v1
}  // namespace nsboot
