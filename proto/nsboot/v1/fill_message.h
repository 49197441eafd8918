// Test helper: fills every field of a message through reflection, so tests
// over "every field of the schema" keep covering fields added later.
#ifndef NSBOOT_PROTO_NSBOOT_V1_FILL_MESSAGE_H_
#define NSBOOT_PROTO_NSBOOT_V1_FILL_MESSAGE_H_

#include "google/protobuf/message.h"

namespace nsboot {
namespace v1 {

// Sets every field of `message` (recursively) to a value that is not the
// default, distinct per field (*counter numbers them); repeated fields get
// two elements. For each oneof, only member `oneof_pick` (modulo its size)
// is set. Enums get `open_enum ? 1000 + n : the last declared value`.
void FillMessage(google::protobuf::Message* message, int oneof_pick,
                 bool open_enum, int* counter);

}  // namespace v1
}  // namespace nsboot

#endif  // NSBOOT_PROTO_NSBOOT_V1_FILL_MESSAGE_H_
