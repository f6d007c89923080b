#include "common/file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace tactus::common {
namespace {

TEST(ReadFile, ReturnsTheBytesOrNamesTheFile) {
  std::string dir = (std::filesystem::temp_directory_path() / "tactus-file-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/data.bin";
  std::ofstream(path, std::ios::binary) << std::string("a\0b\n", 4);
  auto content = ReadFile(path);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(*content, std::string("a\0b\n", 4));
  auto missing = ReadFile(dir + "/missing.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  EXPECT_NE(missing.status().message().find("missing.json"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tactus::common
