package nsbootparent

import "google.golang.org/protobuf/reflect/protoreflect"

// hasUnknown reports whether m or any message inside it carries fields this
// schema does not know. (google.golang.org/protobuf 1.28 has no
// DiscardUnknown; the walk is short.)
func hasUnknown(m protoreflect.Message) bool {
	if len(m.GetUnknown()) > 0 {
		return true
	}
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			for i := 0; i < v.List().Len() && !found; i++ {
				found = hasUnknown(v.List().Get(i).Message())
			}
		default:
			found = hasUnknown(v.Message())
		}
		return !found
	})
	return found
}
