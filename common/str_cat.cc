#include "common/str_cat.h"

#include <cctype>
#include <cstdio>
#include <string>

namespace nsboot {
namespace str_cat_internal {

void Append(std::string* out, const Piece* pieces, size_t count) {
  size_t total = out->size();
  for (size_t i = 0; i < count; ++i) total += pieces[i].view().size();
  out->reserve(total);
  for (size_t i = 0; i < count; ++i) {
    out->append(pieces[i].view().data(), pieces[i].view().size());
  }
}

}  // namespace str_cat_internal

namespace {

std::string Escape(absl::string_view bytes, bool hex) {
  std::string out;
  out.reserve(bytes.size());
  // absl::CHexEscape keeps a hex digit that follows a \x escape from being
  // read as part of it by ending the escape first; so do we.
  bool last_hex_escape = false;
  for (unsigned char c : bytes) {
    bool is_hex_escape = false;
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\"':
        out += "\\\"";
        break;
      case '\'':
        out += "\\\'";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        if (c < 0x20 || c >= 0x7f || (last_hex_escape && std::isxdigit(c))) {
          char buf[5];
          if (hex) {
            std::snprintf(buf, sizeof(buf), "\\x%02x", c);
            is_hex_escape = true;
          } else {
            std::snprintf(buf, sizeof(buf), "\\%03o", c);
          }
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    last_hex_escape = is_hex_escape;
  }
  return out;
}

}  // namespace

std::string CEscape(absl::string_view bytes) { return Escape(bytes, false); }
std::string CHexEscape(absl::string_view bytes) { return Escape(bytes, true); }

}  // namespace nsboot
