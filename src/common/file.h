// Reading whole files, for definitions, inputs, mock configurations and test corpora.
#pragma once

#include <string>

#include "common/status.h"

namespace tactus::common {

// The file's bytes. IoError "cannot read PATH: <reason>" when it cannot be opened or read.
Result<std::string> ReadFile(const std::string& path);

}  // namespace tactus::common
