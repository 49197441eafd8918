// Test and fuzz helper: a ByteSource that hands out a fixed byte string in
// scripted chunk sizes, with EINTR injected between chunks.
#ifndef NSBOOT_CODEC_CHUNKED_SOURCE_H_
#define NSBOOT_CODEC_CHUNKED_SOURCE_H_

#include <errno.h>
#include <sys/types.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "codec/reader.h"

namespace nsboot {
namespace codec {

class ChunkedSource : public ByteSource {
 public:
  // Chunk sizes are used in turn and repeat; a 0 in `chunks` injects one
  // EINTR. An empty `chunks` means "as much as asked".
  ChunkedSource(std::string data, std::vector<int> chunks)
      : data_(std::move(data)), chunks_(std::move(chunks)) {}

  ssize_t Read(char* buf, size_t size) override {
    ++calls_;
    size_t limit = size;
    if (!chunks_.empty()) {
      const int chunk = chunks_[next_++ % chunks_.size()];
      if (chunk == 0) {
        errno = EINTR;
        return -1;
      }
      limit = std::min(limit, static_cast<size_t>(chunk));
    }
    const size_t n = std::min(limit, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, n);
    pos_ += n;
    max_request_ = std::max(max_request_, size);
    return static_cast<ssize_t>(n);
  }

  size_t consumed() const { return pos_; }
  size_t calls() const { return calls_; }
  // Largest single read the reader asked for.
  size_t max_request() const { return max_request_; }

 private:
  std::string data_;
  std::vector<int> chunks_;
  size_t next_ = 0;
  size_t pos_ = 0;
  size_t calls_ = 0;
  size_t max_request_ = 0;
};

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_CHUNKED_SOURCE_H_
