// Reading golden vectors from a test's runfiles (testonly).
#ifndef NSBOOT_TESTS_VECTORS_VECTOR_FILES_H_
#define NSBOOT_TESTS_VECTORS_VECTOR_FILES_H_

#include <string>
#include <vector>

namespace nsboot {
namespace testing {

// tests/vectors/SUBDIR in the runfiles ("" for tests/vectors itself).
std::string VectorDir(const std::string& subdir = "");

// The whole file; a test failure (and "") if it cannot be read.
std::string ReadVectorFile(const std::string& path);

// The names of the files in `dir` ending in `suffix`, without it, sorted.
std::vector<std::string> VectorNames(const std::string& dir,
                                     const std::string& suffix);

}  // namespace testing
}  // namespace nsboot

#endif  // NSBOOT_TESTS_VECTORS_VECTOR_FILES_H_
