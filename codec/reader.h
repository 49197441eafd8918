// Reads one bootstrap request from an init pipe, in either encoding.
//
// The reader is the boundary where hostile bytes enter. It:
//  * reads exactly one message and not a byte more (the same socket carries
//    later traffic: runc's initConfig JSON, nsboot's replies);
//  * loops over short reads and EINTR, and fails cleanly on EOF mid-message;
//  * detects the encoding from the first 8 bytes (see codec/frame.h for why
//    they are unambiguous), then checks the length the header claims against
//    the encoding's cap before reading the body;
//  * grows its buffer only as bytes actually arrive, in chunks of at most
//    kReadChunkSize, so memory stays within the bytes received plus one
//    chunk whatever length the header claims;
//  * decodes and validates with codec/netlink or codec/frame.
// The runc dialect is the caller's choice (the embedder knows which runc it
// serves); it is never guessed from the bytes.
#ifndef NSBOOT_CODEC_READER_H_
#define NSBOOT_CODEC_READER_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

#include "codec/netlink.h"
#include "common/status.h"
#include "proto/nsboot/v1/plain.h"

namespace nsboot {
namespace codec {

enum class Encoding {
  kNetlink = 1,  // runc's bootstrap message (codec/netlink.h)
  kFrame = 2,    // nsboot's framed protobuf (codec/frame.h)
};

// Bytes inspected to choose the encoding.
inline constexpr size_t kDetectSize = 8;
// Largest single read; also the most the buffer runs ahead of received data.
inline constexpr size_t kReadChunkSize = 64 * 1024;

// The encoding of a message from its first kDetectSize bytes, or an error
// (offset 0) if they start neither encoding.
StatusOr<Encoding> DetectEncoding(absl::string_view first_bytes);

// Where the reader gets bytes: a file descriptor in production, a scripted
// source in tests.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // read(2) semantics on a blocking source: up to `size` bytes into `buf`,
  // 0 at EOF, -1 with errno set on error. The reader retries EINTR; any
  // other error ends the read.
  virtual ssize_t Read(char* buf, size_t size) = 0;
};

// A ByteSource over a file descriptor it does not own. EAGAIN on a
// non-blocking fd is waited out with poll(2).
class FdByteSource : public ByteSource {
 public:
  explicit FdByteSource(int fd) : fd_(fd) {}
  ssize_t Read(char* buf, size_t size) override;

 private:
  int fd_;
};

struct ReaderOptions {
  // Dialect of a netlink message, when one arrives.
  RuncDialect runc_dialect = RuncDialect::kRunc12;
  // Encodings the caller accepts; the others are rejected at offset 0.
  bool accept_netlink = true;
  bool accept_frame = true;
};

struct ReadResult {
  // Plain, so the pre-main path needs no protobuf runtime; v1::ToProto
  // (proto/nsboot/v1/plain_convert.h) gives the generated message.
  v1::plain::BootstrapRequest request;
  Encoding encoding;
  // Bytes consumed from the source: the whole message, nothing more.
  size_t size = 0;
};

// Reads, decodes and validates one request. Errors: DataLoss for EOF before
// the message's end (offset = bytes received), the source's errno as an
// Internal error, codec::DecodeError for bad bytes.
StatusOr<ReadResult> ReadRequest(ByteSource& source,
                                 const ReaderOptions& options);

// Same, from a file descriptor.
StatusOr<ReadResult> ReadRequestFromFd(int fd, const ReaderOptions& options);

}  // namespace codec
}  // namespace nsboot

#endif  // NSBOOT_CODEC_READER_H_
