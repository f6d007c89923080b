#include "common/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tactus::common {

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path + ": " + std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path + ": read error");
  return content.str();
}

}  // namespace tactus::common
